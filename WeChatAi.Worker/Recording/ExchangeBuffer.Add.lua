-- ExchangeBuffer.AddAsync: adds the exchanges (JSON) while the buffer holds fewer than capacity entries. Returns how
-- many were added; the ones after the bound was reached were not.
local room = tonumber(capacity) - redis.call('XLEN', buffer)
local added = 0
for i = 1, #exchanges do
  if added >= room then break end
  redis.call('XADD', buffer, '*', 'exchange', exchanges[i])
  added = added + 1
end
return added
