-- Each item's fields, in order, then how many keys and arguments the call sent.
local out = {}
for _, item in ipairs(messages) do
  out[#out + 1] = item.dedup .. '|' .. item.bucket .. '|' .. item.job .. '|' .. item.openId
end
out[#out + 1] = #KEYS
out[#out + 1] = #ARGV
out[#out + 1] = stream
return out
