-- BlockedUsers.ReplaceAsync: makes one shard's set exactly the given OpenIDs in one step, so no reader sees it half built
-- (SADD in chunks: unpack has a limit on how many values it spreads).
redis.call('DEL', blocked)
for i = 1, #openIds, 5000 do
  redis.call('SADD', blocked, unpack(openIds, i, math.min(i + 4999, #openIds)))
end
return #openIds
