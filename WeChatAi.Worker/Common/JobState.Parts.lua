-- Shared by the job state's scripts. record_marks: part markers this process set without writing them yet (field,
-- value pairs: a part WeChat took, written with the next call instead of a call of its own). take_pending: moves the
-- user's pending parts into the job once (a crash between the two steps cannot lose or duplicate them); returns them
-- as JSON. claim_part: claims a part (field, set to this attempt's marker) and takes one message of the user's budget
-- in one step: -1 settled (sent or unknown) or this attempt's already, 0 budget used up, 1 claimed, 2 taken over from
-- an earlier attempt that died while sending it (whose budget message it keeps).
local function record_marks(job, marks)
  for i = 1, #marks, 2 do redis.call('HSET', job, marks[i], marks[i + 1]) end
end
local function take_pending(job, pending)
  local taken = redis.call('HGET', job, 'prefix')
  if taken then return taken end
  local parts = redis.call('LRANGE', pending, 0, -1)
  redis.call('DEL', pending)
  local json = '[]'
  if #parts > 0 then json = cjson.encode(parts) end
  redis.call('HSET', job, 'prefix', json)
  return json
end
local function claim_part(job, budget, field, marker)
  local status = redis.call('HGET', job, field)
  if status then
    if string.sub(status, 1, 7) == 'sending' and status ~= marker then
      redis.call('HSET', job, field, marker)
      return 2
    end
    return -1
  end
  local left = tonumber(redis.call('HGET', budget, 'left') or '0')
  if left <= 0 then return 0 end
  redis.call('HINCRBY', budget, 'left', -1)
  redis.call('HSET', job, field, marker)
  return 1
end
