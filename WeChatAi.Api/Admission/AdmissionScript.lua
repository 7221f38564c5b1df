-- The admission of a batch of messages of one shard's users (AdmissionScript.cs names every key and argument; all are
-- in the shard's cluster slot). Per message, in order (a plaintext push's signed-query check ran before, on its own:
-- its key may be of any slot): the claim (SET NX of its de-dup key: WeChat's
-- retries get the first outcome); a blocked user's message refused (one SISMEMBER: no bucket, no charge, no job); a
-- message of a user handed to a person held (one HEXISTS: no bucket, no charge, no job; the API records it); the
-- user's bucket; the charge; the job on the stream and the charge on the usage stream. Then the day's counters, once
-- per call, and whether the worker asked for passive replies.
-- TIME (not the caller's clock) feeds the buckets so replicas with skewed clocks share one "now".
-- The bucket is GCRA, the token bucket kept as one number: the time at which the bucket is full again ("tat").
-- A message may pass while tat is at most burst - 1 intervals ahead; it moves tat one interval on. The key
-- expires at tat, when a missing key means the same thing: a full bucket.
-- The charge: a free question while the day's counter allows, else a credit from the loaded balance; with no
-- balance loaded yet the message's claim is dropped and it comes back once the API has loaded it.
-- Returns per message its outcome and 1 for a duplicate (else 0), then 1 when the passive switch is on.
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local interval = 60000 / tonumber(perMinute)
local ahead = (tonumber(burst) - 1) * interval
local results = {}
local users = {}
local received, limited, overQuota, blocked = 0, 0, 0, 0
local freeLimit = tonumber(freePerDay)
for i, m in ipairs(messages) do
  -- Claims the message at once; the outcome is corrected below in the rare rate-limited case.
  if not redis.call('SET', m.dedup, outcomeEnqueued, 'NX', 'EX', dedupTtlSeconds) then
    results[2 * i - 1] = redis.call('GET', m.dedup) or outcomeEnqueued
    results[2 * i] = 1
  elseif redis.call('SISMEMBER', blockedSet, m.openId) == 1 then
    redis.call('SET', m.dedup, outcomeBlocked, 'KEEPTTL')
    blocked = blocked + 1
    results[2 * i - 1] = outcomeBlocked
    results[2 * i] = 0
  elseif redis.call('HEXISTS', handoffOpen, m.openId) == 1 then
    redis.call('SET', m.dedup, outcomeHandoff, 'KEEPTTL')
    users[#users + 1] = m.openId
    results[2 * i - 1] = outcomeHandoff
    results[2 * i] = 0
  else
    local tat = tonumber(redis.call('GET', m.bucket)) or nowMs
    if tat < nowMs then
      tat = nowMs
    end

    local charge = nil
    if tat - nowMs <= ahead then
      local used = redis.call('INCR', m.freeUsed)
      if used <= freeLimit then
        if used == 1 then
          redis.call('EXPIRE', m.freeUsed, freeUsedTtlSeconds)
        end
        charge = m.freeCharge
      else
        redis.call('DECR', m.freeUsed)
        local balance = redis.call('HGET', m.credits, balanceField)
        if not balance then
          charge = false
        elseif tonumber(balance) > 0 then
          redis.call('HINCRBY', m.credits, balanceField, -1)
          charge = chargeCredit
        end
      end
    end

    if charge then
      tat = tat + interval
      redis.call('XADD', jobs, '*', jobField, m.job, chargeField, charge)
      redis.call('XADD', usageStream, '*', appIdField, appId, openIdField, m.openId,
        jobIdField, m.jobId, kindField, string.sub(charge, 1, 1), dayField, string.sub(m.freeCharge, 3))
      redis.call('SET', m.bucket, tat, 'PXAT', math.ceil(tat))
      received = received + 1
      results[2 * i - 1] = outcomeEnqueued
    elseif charge == false then
      redis.call('DEL', m.dedup)
      results[2 * i - 1] = outcomeNeedsBalance
    elseif tat - nowMs <= ahead then
      redis.call('SET', m.dedup, outcomeOverQuota, 'KEEPTTL')
      overQuota = overQuota + 1
      results[2 * i - 1] = outcomeOverQuota
    else
      redis.call('SET', m.dedup, outcomeRateLimited, 'KEEPTTL')
      limited = limited + 1
      results[2 * i - 1] = outcomeRateLimited
    end

    users[#users + 1] = m.openId
    results[2 * i] = 0
  end
end

if received > 0 then
  redis.call('HINCRBY', counters, receivedField, received)
  -- The minute's first count sets the expiry: once a minute, not once a call.
  if redis.call('HINCRBY', minutes, minuteField, received) == received then
    redis.call('EXPIRE', minutes, minutesTtlSeconds)
  end
end
if limited > 0 then
  redis.call('HINCRBY', counters, outcomeRateLimited, limited)
end
if overQuota > 0 then
  redis.call('HINCRBY', counters, outcomeOverQuota, overQuota)
end
if blocked > 0 then
  redis.call('HINCRBY', counters, outcomeBlocked, blocked)
end
if #users > 0 then
  redis.call('PFADD', dayUsers, unpack(users))
  -- NX: only the day's first call sets the expiry; the rest of the day it is one cheap no-op per batch.
  redis.call('EXPIRE', counters, statsTtlSeconds, 'NX')
  redis.call('EXPIRE', dayUsers, statsTtlSeconds, 'NX')
end
results[2 * #messages + 1] = redis.call('EXISTS', passiveSwitch)
return results
