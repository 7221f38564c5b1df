-- JobState.StoreAnsweredAsync: what follows an answer, in one step (one round trip for what took five). The first
-- attempt to store an answer wins, with its tokens, reasoning summary ('' for none), safety decisions (JSON) and
-- knowledge passages (JSON, '' for none); when another attempt's answer came first, nothing else is done and it is
-- returned: {0, answer, prompt tokens, completion tokens, reasoning, safety, knowledge}. Else {1, pending parts JSON,
-- claim of part 0}, after: the turn remembered once per job (memoryMax 0: not remembered), and for a push (push 1)
-- the user's pending parts taken over and part 0 claimed (when there is one: answerParts parts follow the pending
-- ones), as TakePending and ClaimPart do.
if redis.call('HSETNX', job, 'answer', answer) == 0 then
  local stored = redis.call('HMGET', job, 'answer', 'prompt_tokens', 'completion_tokens', 'reasoning', 'safety', 'knowledge')
  return {0, stored[1], stored[2], stored[3], stored[4], stored[5], stored[6]}
end
redis.call('HSET', job, 'prompt_tokens', promptTokens, 'completion_tokens', completionTokens, 'safety', safety)
if reasoning ~= '' then redis.call('HSET', job, 'reasoning', reasoning) end
if knowledge ~= '' then redis.call('HSET', job, 'knowledge', knowledge) end
if tonumber(memoryMax) > 0 and redis.call('HSETNX', job, 'memorized', '1') == 1 then
  redis.call('RPUSH', memoryKey, question, reply)
  redis.call('LTRIM', memoryKey, -tonumber(memoryMax), -1)
  redis.call('PEXPIRE', memoryKey, memoryTtlMs)
end
if push ~= '1' then return {1, false, false} end
local json = take_pending(job, pending)
if json == '[]' and tonumber(answerParts) == 0 then return {1, json, false} end
return {1, json, claim_part(job, budget, 'part:0', marker)}
