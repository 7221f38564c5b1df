-- MessageBudget.RefundAsync: gives one message back, if the budget still exists.
if redis.call('EXISTS', budget) == 1 then return redis.call('HINCRBY', budget, 'left', 1) end
return 0
