-- The user tapped "继续": the next pending parts that fit, with the link again if more are left. The reply is kept
-- per message, so WeChat's retry of the same tap gets the same parts instead of skipping some. Nil: nothing pending.
local done = redis.call('GET', reply)
if done then
  return done
end
local parts = redis.call('LRANGE', pending, 0, -1)
if #parts == 0 then
  return false
end
local text, used = pack(parts, separator, tonumber(maxBytes), continueSuffix)
redis.call('LTRIM', pending, used, -1)
redis.call('SET', reply, text, 'EX', replyTtlSeconds)
return text
