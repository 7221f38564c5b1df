-- The worker stores a job's answer (its parts as JSON) for the API and announces the job id.
-- Idempotent: a job processed again after a crash finds its answer stored and changes nothing. If WeChat already
-- stopped trying (deferred), the parts go to the pending list for the user's next message instead.
if redis.call('EXISTS', answer) == 1 then
  return 'stored'
end
if redis.call('EXISTS', deferred) == 1 then
  redis.call('SET', answer, '[]', 'EX', jobTtlSeconds)
  for _, part in ipairs(cjson.decode(parts)) do
    redis.call('RPUSH', pending, part)
  end
  redis.call('EXPIRE', pending, pendingTtlSeconds)
  return 'deferred'
end
redis.call('SET', answer, parts, 'EX', jobTtlSeconds)
redis.call('PUBLISH', channel, jobId)
return 'stored'
