-- JobCompletion.CompleteAsync: the job ends in one step on its shard's slot (one round trip for what took three): the
-- part markers the worker set since its last call (marks: field, value pairs; the last part, sent), the user's typing
-- indicator over (endTyping 1: a message ended it), the entry acknowledged and released from the user's turn, the
-- job's hash kept a little while, and the shard's counters of the day; for an answer delivered, its latency sample and
-- the overview's minute. All or nothing: a job retried after a failed call is counted once.
for i = 1, #marks, 2 do redis.call('HSET', job, marks[i], marks[i + 1]) end
if endTyping == '1' then redis.call('DEL', typing) end
redis.call('XACK', stream, group, entry)
redis.call('ZREM', turns, entry)
redis.call('PEXPIRE', job, finishedTtlMs)
redis.call('HINCRBY', counters, counterField, 1)
redis.call('PEXPIRE', counters, retentionMs)
if latencyMs ~= '' then
  redis.call('LPUSH', latencies, latencyMs)
  redis.call('LTRIM', latencies, 0, latencySample - 1)
  redis.call('PEXPIRE', latencies, retentionMs)
  redis.call('HINCRBY', minutes, minuteField, 1)
  redis.call('PEXPIRE', minutes, minutesRetentionMs)
end
return 1
