-- The API takes a job's passive reply, built once per job: what was pending for the user first, then the answer, as
-- much as fits one passive reply (ending with the "继续" link when some is left); the rest goes back to the pending
-- list. With deferIfMissing and no answer yet, marks the job deferred so the worker sends its answer to the pending
-- list instead.
local done = redis.call('GET', reply)
if done then
  return done
end
local stored = redis.call('GET', answer)
if not stored then
  if deferIfMissing == '1' then
    redis.call('SET', deferred, '1', 'EX', jobTtlSeconds)
  end
  return false
end
local parts = redis.call('LRANGE', pending, 0, -1)
for _, part in ipairs(cjson.decode(stored)) do
  table.insert(parts, part)
end
if #parts == 0 then
  return false
end
local text, used = pack(parts, separator, tonumber(maxBytes), continueSuffix)
redis.call('DEL', pending)
for i = used + 1, #parts do
  redis.call('RPUSH', pending, parts[i])
end
if #parts > used then
  redis.call('EXPIRE', pending, pendingTtlSeconds)
end
redis.call('SET', reply, text, 'EX', jobTtlSeconds)
return text
