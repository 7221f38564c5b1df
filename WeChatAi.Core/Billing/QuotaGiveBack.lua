-- QuotaGiveBack.GiveBackAsync: once per job (the given-back marker), the free question or the credit goes back to the
-- user and a give-back entry goes on the usage stream (the ledger row).
if not redis.call('SET', givenBack, '1', 'NX', 'EX', markerTtlSeconds) then
  return 0
end
if kind == chargeFree then
  if tonumber(redis.call('GET', freeUsed) or '0') > 0 then
    redis.call('DECR', freeUsed)
  end
elseif redis.call('EXISTS', credits) == 1 then
  redis.call('HINCRBY', credits, balanceField, 1)
end
redis.call('XADD', usageStream, '*', appIdField, appId, openIdField, openId, jobIdField, jobId,
  kindField, giveBackPrefix .. kind, dayField, day, reasonField, reason)
return 1
