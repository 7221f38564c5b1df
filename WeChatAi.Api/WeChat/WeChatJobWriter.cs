using System.Diagnostics;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Queue;

namespace WeChatAi.Api.WeChat;

/// <summary>What became of a user message handed to <see cref="WeChatJobWriter"/>.</summary>
public enum EnqueueOutcome
{
    /// <summary>A new job is on the stream.</summary>
    Enqueued,

    /// <summary>The user's bucket was empty: no job.</summary>
    RateLimited,
}

/// <param name="Outcome">For a duplicate, the outcome of the first delivery, so a retry gets the same kind of reply.</param>
/// <param name="PassiveSwitch">The worker found the account lacks customer-service permission: reply passively.</param>
public readonly record struct EnqueueResult(EnqueueOutcome Outcome, bool IsDuplicate, bool PassiveSwitch);

/// <summary>
/// Turns an accepted user message into a job: de-duplication, the per-user token bucket, XADD and the daily
/// counters run as one Lua script, so replicas never race and each message costs one Redis round trip.
/// </summary>
public sealed class WeChatJobWriter(IConnectionMultiplexer redis, IOptions<RateLimitOptions> limits, TimeProvider time)
{
    /// <summary>WeChat retries for about 15 s; 300 s leaves room for slow retries and clock skew between replicas.</summary>
    public static readonly TimeSpan DedupTtl = TimeSpan.FromMinutes(5);

    private const string Enqueued = "enqueued";

    // Parameters: RedisKey members become KEYS, the rest ARGV (StackExchange.Redis rewrites the @names).
    // The job's field names are spliced in from AiJobFields so they cannot drift from the worker's reader.
    // TIME (not the caller's clock) feeds the bucket so replicas with skewed clocks share one notion of now.
    private static readonly LuaScript Script = LuaScript.Prepare($$"""
        -- Claims the message at once; the outcome is corrected below in the rare rate-limited case.
        if not redis.call('SET', @DedupKey, '{{Enqueued}}', 'NX', 'EX', @DedupTtlSeconds) then
          return { redis.call('GET', @DedupKey), 1, redis.call('EXISTS', @SwitchKey) }
        end

        local now = redis.call('TIME')
        local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
        local perMs = tonumber(@PerMinute) / 60000
        local burst = tonumber(@Burst)
        -- The bucket is one string "tokens lastRefillMs": GET and SET PX cost less than a hash plus PEXPIRE.
        local tokens, at = burst, nowMs
        local bucket = redis.call('GET', @BucketKey)
        if bucket then
          local space = string.find(bucket, ' ', 1, true)
          tokens = tonumber(string.sub(bucket, 1, space - 1))
          at = tonumber(string.sub(bucket, space + 1))
        end
        tokens = math.min(burst, tokens + math.max(0, nowMs - at) * perMs)

        local outcome
        if tokens >= 1 then
          tokens = tokens - 1
          outcome = '{{Enqueued}}'
          redis.call('XADD', @StreamKey, '*',
            '{{AiJobFields.JobId}}', @JobId,
            '{{AiJobFields.AppId}}', @AppId,
            '{{AiJobFields.OpenId}}', @OpenId,
            '{{AiJobFields.MsgId}}', @MsgId,
            '{{AiJobFields.Content}}', @Content,
            '{{AiJobFields.ReceivedAt}}', @ReceivedAt,
            '{{AiJobFields.TraceParent}}', @TraceParent,
            '{{AiJobFields.TraceState}}', @TraceState)
          redis.call('HINCRBY', @StatsKey, '{{StatsKeys.ReceivedField}}', 1)
        else
          outcome = 'rate_limited'
          redis.call('HINCRBY', @StatsKey, 'rate_limited', 1)
          redis.call('SET', @DedupKey, outcome, 'KEEPTTL')
        end

        -- An idle bucket refills completely, so it can expire once it would be full.
        redis.call('SET', @BucketKey, tokens .. ' ' .. nowMs, 'PX', math.ceil((burst - tokens) / perMs) + 1000)
        redis.call('PFADD', @UsersKey, @OpenId)
        return { outcome, 0, redis.call('EXISTS', @SwitchKey) }
        """);

    private readonly RateLimitOptions _limits = limits.Value;

    public async Task<EnqueueResult> EnqueueAsync(string appId, string dedupKey, string openId, long msgId, string content)
    {
        var now = time.GetUtcNow();
        var activity = Activity.Current;
        var parameters = new ScriptParameters
        {
            DedupKey = RedisKeys.Dedup(appId, dedupKey),
            BucketKey = RedisKeys.UserBucket(appId, openId),
            StreamKey = QueueKeys.JobStream,
            StatsKey = StatsKeys.Counters(now),
            SwitchKey = PassiveReplyKeys.PassiveSwitch(appId),
            UsersKey = StatsKeys.Users(now),
            PerMinute = _limits.PerUserPerMinute,
            Burst = _limits.PerUserBurst,
            DedupTtlSeconds = (long)DedupTtl.TotalSeconds,
            JobId = AiJob.CreateJobId(appId, openId, msgId),
            AppId = appId,
            OpenId = openId,
            MsgId = msgId,
            Content = content,
            ReceivedAt = now.ToUnixTimeMilliseconds(),
            TraceParent = activity?.IdFormat == ActivityIdFormat.W3C ? activity.Id : string.Empty,
            TraceState = activity?.TraceStateString ?? string.Empty,
        };

        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(Script, parameters).ConfigureAwait(false))!;
        var outcome = (string?)result[0] == Enqueued ? EnqueueOutcome.Enqueued : EnqueueOutcome.RateLimited;
        return new EnqueueResult(outcome, (long)result[1] == 1, (long)result[2] == 1);
    }

    /// <summary>Public members are read by LuaScript by name; each matches an @name in the script.</summary>
    private sealed class ScriptParameters
    {
        public RedisKey DedupKey { get; init; }

        public RedisKey BucketKey { get; init; }

        public RedisKey StreamKey { get; init; }

        public RedisKey StatsKey { get; init; }

        public RedisKey SwitchKey { get; init; }

        public RedisKey UsersKey { get; init; }

        public RedisValue PerMinute { get; init; }

        public RedisValue Burst { get; init; }

        public RedisValue DedupTtlSeconds { get; init; }

        public RedisValue JobId { get; init; }

        public RedisValue AppId { get; init; }

        public RedisValue OpenId { get; init; }

        public RedisValue MsgId { get; init; }

        public RedisValue Content { get; init; }

        public RedisValue ReceivedAt { get; init; }

        public RedisValue TraceParent { get; init; }

        public RedisValue TraceState { get; init; }
    }
}

/// <summary>Redis keys only the gateway uses (the shared ones are in <see cref="QueueKeys"/> and <see cref="StatsKeys"/>).</summary>
public static class RedisKeys
{
    public static string Dedup(string appId, string dedupKey) => $"wechatai:dedup:{appId}:{dedupKey}";

    public static string UserBucket(string appId, string openId) => $"wechatai:ratelimit:{appId}:{openId}";
}
