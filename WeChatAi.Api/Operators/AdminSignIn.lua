-- AdminSignIn: one attempt's check, success or failure, for a name and an address (keys of one slot, {signin}).
-- Returns {0, 0} (go on), {1, ms} (the address is blocked for ms) or {2, ms} (the name's next attempt in ms).
local max = tonumber(maxFailures)
if mode == 'check' then
  local blocked = redis.call('PTTL', addressBlock)
  if blocked > 0 then
    return {1, blocked}
  end
  if redis.call('EXISTS', knownAddress) == 1 then
    return {0, 0}
  end
  local wait = redis.call('PTTL', nameWait)
  if wait > 0 then
    return {2, wait}
  end
  if tonumber(redis.call('GET', nameFailures) or '0') >= max then
    -- One attempt at a time while the name is slowed: this one holds the turn until it is judged.
    redis.call('SET', nameWait, '1', 'PX', maxWaitMs)
  end
  return {0, 0}
end
if mode == 'ok' then
  redis.call('DEL', nameFailures, nameWait)
  redis.call('SET', knownAddress, '1', 'PX', knownAddressMs)
  return {0, 0}
end
local failures = redis.call('INCR', nameFailures)
redis.call('PEXPIRE', nameFailures, windowMs)
if failures >= max then
  redis.call('SET', nameWait, '1', 'PX', math.floor(math.min(2000 * 2 ^ (failures - max), tonumber(maxWaitMs))))
end
local fromAddress = redis.call('INCR', addressFailures)
if fromAddress == 1 then
  redis.call('PEXPIRE', addressFailures, windowMs)
end
if fromAddress >= max then
  redis.call('SET', addressBlock, '1', 'PX', blockMs)
  redis.call('DEL', addressFailures)
  return {1, tonumber(blockMs)}
end
return {0, 0}
