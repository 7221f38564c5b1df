-- JobState.DeferAsync: queues the parts for the user's next message, once per job.
if redis.call('HSETNX', job, 'deferred', '1') == 1 then
  for i = 1, #parts do redis.call('RPUSH', pending, parts[i]) end
  redis.call('PEXPIRE', pending, ttlMs)
  return 1
end
return 0
