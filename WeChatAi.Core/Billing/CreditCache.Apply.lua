-- CreditCache.ApplyAsync: adds a committed ledger row to a loaded balance, once (the watermark is the last row it
-- includes). With no balance loaded, marks the user stale so a load that read PostgreSQL before the row committed
-- reads again.
if redis.call('EXISTS', credits) == 0 then
  local staleRow = tonumber(redis.call('GET', stale) or '0')
  if tonumber(rowId) > staleRow then
    redis.call('SET', stale, rowId, 'EX', staleTtlSeconds)
  end
  return 0
end
if tonumber(redis.call('HGET', credits, watermarkField) or '0') >= tonumber(rowId) then
  return 0
end
redis.call('HINCRBY', credits, balanceField, delta)
redis.call('HSET', credits, watermarkField, rowId)
return 1
