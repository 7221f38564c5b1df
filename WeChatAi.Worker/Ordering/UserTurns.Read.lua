-- UserTurns.ReadAsync: reads new entries (XREADGROUP) and registers each in its user's turn set in one step, so an
-- entry read later can never be registered first. Key names come from the entries themselves, after the prefix given
-- (it carries the stream's hash tag): every key built stays in the stream's cluster slot.
local reply = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '>')
if not reply then return {} end
local entries = reply[1][2]
for _, entry in ipairs(entries) do
  local fields = entry[2]
  for i = 1, #fields, 2 do
    if fields[i] == 'job' then
      local ok, job = pcall(cjson.decode, fields[i + 1])
      if ok and type(job) == 'table' and type(job.app_id) == 'string' and type(job.open_id) == 'string' then
        local ms, seq = string.match(entry[1], '(%d+)-(%d+)')
        local key = turnsPrefix .. job.app_id .. ':' .. job.open_id
        redis.call('ZADD', key, tonumber(ms) * 1000 + tonumber(seq), entry[1])
        redis.call('EXPIRE', key, turnsTtlSeconds)
      end
    end
  end
end
return entries
