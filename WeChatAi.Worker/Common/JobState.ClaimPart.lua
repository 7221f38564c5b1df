-- JobState.ClaimPartAsync: claims the part (claim_part in JobState.Parts.lua), after writing the markers this process
-- set since its last call (the part before, sent): one round trip per further part.
record_marks(job, marks)
return claim_part(job, budget, field, marker)
