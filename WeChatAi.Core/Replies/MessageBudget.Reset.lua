-- MessageBudget.ResetAsync: a user message opens the budget again, as JobState.Start.lua does for a job's message:
-- only a message newer than the last one it was reset for, and only while its window is open (budgetTtlMs > 0).
if tonumber(budgetTtlMs) > 0 and tonumber(receivedAt) > tonumber(redis.call('HGET', budget, 'at') or '0') then
  redis.call('HSET', budget, 'at', receivedAt, 'left', budgetMessages)
  redis.call('PEXPIRE', budget, budgetTtlMs)
end
return 0
