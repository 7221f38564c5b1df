-- DeadLetterAdmin.MoveAsync: each dead letter still there goes back onto the job stream (its job, the answer and parts
-- it kept, retry_of = its id) and is deleted in the same step, so however many operators press retry it is re-enqueued
-- once. Returns per id the new entry's id, or false if it is gone.
local result = {}
for i = 1, #ids do
  local found = redis.call('XRANGE', deadLetters, ids[i], ids[i])
  local added = false
  if #found == 1 then
    local fields = found[1][2]
    local entry = {}
    for j = 1, #fields, 2 do
      local name = fields[j]
      if name == jobField or name == answerField or name == takenOverPartsField then
        table.insert(entry, name)
        table.insert(entry, fields[j + 1])
      end
    end
    table.insert(entry, retryOfField)
    table.insert(entry, ids[i])
    added = redis.call('XADD', jobs, '*', unpack(entry))
    redis.call('XDEL', deadLetters, ids[i])
  end
  result[i] = added
end
return result
