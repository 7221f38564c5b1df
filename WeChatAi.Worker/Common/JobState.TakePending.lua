-- JobState.TakePendingAsync: the user's pending parts taken over by this job (take_pending in JobState.Parts.lua).
return take_pending(job, pending)
