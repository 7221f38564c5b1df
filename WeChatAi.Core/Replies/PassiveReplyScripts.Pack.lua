-- Shared by TakeReply and TakeNext: as many of the parts (from the first) as fit maxBytes, joined by the separator;
-- when some are left over, the reply ends with the "继续" link (room for it is kept), unless even the first part alone
-- leaves no room. Returns the reply and how many parts it used.
local function pack(parts, separator, maxBytes, suffix)
  local function fill(limit)
    local reply = parts[1]
    local used = 1
    for i = 2, #parts do
      local candidate = reply .. separator .. parts[i]
      if string.len(candidate) > limit then
        break
      end
      reply = candidate
      used = i
    end
    return reply, used
  end
  local reply, used = fill(maxBytes)
  if used == #parts then
    return reply, used
  end
  reply, used = fill(maxBytes - string.len(suffix))
  if string.len(reply) + string.len(suffix) <= maxBytes then
    reply = reply .. suffix
  end
  return reply, used
end
