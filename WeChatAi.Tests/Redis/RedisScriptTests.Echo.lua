-- Returns what the prologue bound, so the test sees each name's KEYS/ARGV slot.
local out = { first, second, count, label, greeting, #KEYS, #ARGV }
for _, value in ipairs(rest) do out[#out + 1] = value end
return out
