-- JobState.StoreAnswerAsync: the first attempt to store an answer wins, with its tokens, reasoning summary ('' for
-- none) and safety decisions (JSON); returns the one that counts.
if redis.call('HSETNX', job, 'answer', answer) == 1 then
  redis.call('HSET', job, 'prompt_tokens', promptTokens, 'completion_tokens', completionTokens, 'safety', safety)
  if reasoning ~= '' then redis.call('HSET', job, 'reasoning', reasoning) end
end
return redis.call('HMGET', job, 'answer', 'prompt_tokens', 'completion_tokens', 'reasoning', 'safety')
