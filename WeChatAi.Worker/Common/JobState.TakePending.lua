-- JobState.TakePendingAsync: moves the user's pending parts into this job once: a crash between the two steps cannot
-- lose or duplicate them.
local taken = redis.call('HGET', job, 'prefix')
if taken then return taken end
local parts = redis.call('LRANGE', pending, 0, -1)
redis.call('DEL', pending)
local json = '[]'
if #parts > 0 then json = cjson.encode(parts) end
redis.call('HSET', job, 'prefix', json)
return json
