-- MessageBudget.TryConsumeAsync: takes one message of the budget; 0 when none is left.
local left = tonumber(redis.call('HGET', budget, 'left') or '0')
if left > 0 then
  redis.call('HINCRBY', budget, 'left', -1)
  return 1
end
return 0
