-- JobState.ClaimPartAsync: claims the part (field, set to this attempt's marker) and takes one message of the user's
-- budget (MessageBudget's hash) in one step: -1 settled (sent or unknown) or this attempt's already, 0 budget used up,
-- 1 claimed, 2 taken over from an earlier attempt that died while sending it (whose budget message it keeps).
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
