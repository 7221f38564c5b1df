-- JobState.StoreQuestionAsync: the first attempt to store a question wins (a retry does not transcribe again).
redis.call('HSETNX', job, 'question', question)
return redis.call('HGET', job, 'question')
