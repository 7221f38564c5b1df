-- MessageBudget.ResetAsync: only a message newer than the one the budget was last reset for resets it: a job processed
-- again after a crash, or an older job finishing late, does not hand out more messages than WeChat allows.
local last = tonumber(redis.call('HGET', budget, 'at') or '0')
if tonumber(receivedAt) > last then
  redis.call('HSET', budget, 'at', receivedAt, 'left', messages)
  redis.call('PEXPIRE', budget, ttlMs)
  return 1
end
return 0
