-- JobState.StartAsync, an attempt's first call (one round trip for what took six): is the user with a person, is it the
-- job's turn, the attempt counted, the user's budget reset, the typing markers set, the memory read. Returns {'held'}
-- when the user's field is in the shard's open handoff sessions (handoffField '' skips the check: a notice, or a later
-- start of a job checked already; JobAttempt asks again just before the LLM call), touching nothing; {'wait'} when an
-- older entry of the user is unfinished (entry '' skips the check: a later attempt of a job whose turn came), else
-- {'go', the job's hash (HGETALL), 1 if this attempt shows typing, the memory's last memoryCount entries}.
if handoffField ~= '' and redis.call('HEXISTS', handoff, handoffField) == 1 then return {'held'} end
if entry ~= '' then
  local oldest = redis.call('ZRANGE', turns, 0, 0)[1]
  if oldest and oldest ~= entry then return {'wait'} end
end
record_marks(job, marks)
-- A job retried from a dead letter (retryOf, '' otherwise), with the answer and the taken-over parts the dead letter
-- kept ('' for none): its attempts start again once (not on each takeover of the entry) and it keeps the answer and
-- the part markers; the dead letter's copies count only if the hash was lost. The attempts before the retry are kept
-- in 'earlier_attempts', so the record shows every attempt the job took.
if retryOf ~= '' and redis.call('HGET', job, 'retry_of') ~= retryOf then
  redis.call('HINCRBY', job, 'earlier_attempts', tonumber(redis.call('HGET', job, 'attempts') or '0'))
  redis.call('HSET', job, 'retry_of', retryOf, 'attempts', 0, 'failures', 0)
  if answer ~= '' then redis.call('HSETNX', job, 'answer', answer) end
  if takenOverParts ~= '' then redis.call('HSETNX', job, 'prefix', takenOverParts) end
end
redis.call('HINCRBY', job, 'attempts', 1)
redis.call('PEXPIRE', job, ttlMs)
-- Each job is a user message: WeChat's budget starts again from it, but only from a message newer than the one it was
-- last reset for (a job processed again, or an older job finishing late, hands out no more than WeChat allows).
-- budgetTtlMs 0: the window already closed, or a notice (which uses the budget the user's last message opened).
if tonumber(budgetTtlMs) > 0 and tonumber(receivedAt) > tonumber(redis.call('HGET', budget, 'at') or '0') then
  redis.call('HSET', budget, 'at', receivedAt, 'left', budgetMessages)
  redis.call('PEXPIRE', budget, budgetTtlMs)
end
-- Typing and memory only for an answer still to compute. Typing (typingMs > 0 when the worker would show it) once per
-- job, and not while the user's indicator is shown (the key lives as long as WeChat shows it, or until a message).
local answered = redis.call('HEXISTS', job, 'answer') == 1
local typing = 0
if tonumber(typingMs) > 0 and not answered and redis.call('HSETNX', job, 'typing', '1') == 1
    and redis.call('SET', typingKey, 1, 'PX', typingMs, 'NX') then
  typing = 1
end
local history = {}
if tonumber(memoryCount) > 0 and not answered then
  history = redis.call('LRANGE', memoryKey, -tonumber(memoryCount), -1)
end
return {'go', redis.call('HGETALL', job), typing, history}
