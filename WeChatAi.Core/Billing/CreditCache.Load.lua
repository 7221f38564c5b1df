-- CreditCache.LoadAsync: stores the balance read from the ledger unless one is loaded. Returns 1 when the balance is
-- (already) loaded, 0 when a newer ledger row is pending (the stale marker is past the watermark): read PostgreSQL again.
if redis.call('EXISTS', credits) == 1 then
  return 1
end
local staleRow = tonumber(redis.call('GET', stale) or '0')
if staleRow > tonumber(watermark) then
  redis.call('DEL', stale)
  return 0
end
redis.call('HSET', credits, balanceField, balance, watermarkField, watermark)
redis.call('EXPIRE', credits, ttlSeconds)
return 1
