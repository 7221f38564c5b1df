-- JobState.BeginAttemptAsync: counts the attempt and returns the hash. For a job retried from a dead letter
-- (retryOf, '' otherwise), with the answer and the taken-over parts the dead letter kept ('' for none): a retry starts
-- its attempts again once (not on each takeover of the entry) and keeps the answer and the part markers; the dead
-- letter's copies count only if the hash was lost. The attempts before the retry are kept in 'earlier_attempts', so
-- the record shows every attempt the job took.
if retryOf ~= '' and redis.call('HGET', job, 'retry_of') ~= retryOf then
  redis.call('HINCRBY', job, 'earlier_attempts', tonumber(redis.call('HGET', job, 'attempts') or '0'))
  redis.call('HSET', job, 'retry_of', retryOf, 'attempts', 0, 'failures', 0)
  if answer ~= '' then redis.call('HSETNX', job, 'answer', answer) end
  if takenOverParts ~= '' then redis.call('HSETNX', job, 'prefix', takenOverParts) end
end
redis.call('HINCRBY', job, 'attempts', 1)
redis.call('PEXPIRE', job, ttlMs)
return redis.call('HGETALL', job)
