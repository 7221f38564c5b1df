-- MessageBudget.ExhaustAsync: WeChat says no more messages (45047, 45015): none left, if the budget still exists.
if redis.call('EXISTS', budget) == 1 then redis.call('HSET', budget, 'left', 0) end
return 0
