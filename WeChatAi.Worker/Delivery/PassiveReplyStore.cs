using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Queue;

namespace WeChatAi.Worker.Delivery;

/// <summary>Whether answers are pushed (customer-service API) or given as WeChat's passive reply.</summary>
public enum ReplyMode
{
    Push,
    Passive,
}

/// <summary>
/// Passive reply mode on the worker's side: instead of pushing, store the answer and announce it, so the API replica
/// holding WeChat's request replies with it; if WeChat already gave up, the answer waits for the user's next message.
/// </summary>
internal sealed partial class PassiveReplyStore(
    IConnectionMultiplexer redis, IOptions<WeChatApiOptions> options, TimeProvider time, ILogger<PassiveReplyStore> logger)
{
    /// <summary>How long a worker trusts what it last read of the account's switch to passive mode.</summary>
    private static readonly TimeSpan SwitchCacheTime = TimeSpan.FromSeconds(5);

    /// <summary>The switch after a 48001 lasts a day, then customer-service messages are tried again.</summary>
    private static readonly TimeSpan SwitchTtl = TimeSpan.FromDays(1);

    // Idempotent: a job processed again after a crash finds its answer stored and changes nothing.
    private static readonly LuaScript StoreScript = LuaScript.Prepare("""
        if redis.call('EXISTS', @AnswerKey) == 1 then
          return 'stored'
        end
        if redis.call('EXISTS', @DeferredKey) == 1 then
          redis.call('SET', @AnswerKey, '[]', 'EX', @TtlSeconds)
          for _, part in ipairs(cjson.decode(@Parts)) do
            redis.call('RPUSH', @PendingKey, part)
          end
          redis.call('EXPIRE', @PendingKey, @PendingTtlSeconds)
          return 'deferred'
        end
        redis.call('SET', @AnswerKey, @Parts, 'EX', @TtlSeconds)
        redis.call('PUBLISH', @Channel, @JobId)
        return 'stored'
        """);

    // Replaced whole (a reference), so concurrent jobs never read half of an update.
    private SwitchReading? _switch;

    public async Task<bool> IsPassiveAsync(string appId)
    {
        if (options.Value.ReplyMode == ReplyMode.Passive)
        {
            return true;
        }

        if (_switch is { } cached && time.GetElapsedTime(cached.CheckedAt) < SwitchCacheTime)
        {
            return cached.Passive;
        }

        var passive = await redis.GetDatabase().KeyExistsAsync(PassiveReplyKeys.PassiveSwitch(appId));
        _switch = new SwitchReading(passive, time.GetTimestamp());
        return passive;
    }

    /// <summary>After 48001 (no customer-service permission): every replica and the API reply passively from now on.</summary>
    public async Task SwitchToPassiveAsync(string appId)
    {
        if (await redis.GetDatabase().StringSetAsync(PassiveReplyKeys.PassiveSwitch(appId), "48001", SwitchTtl, When.NotExists))
        {
            LogSwitched(logger, appId);
        }

        _switch = new SwitchReading(true, time.GetTimestamp());
    }

    public async Task<DeliveryOutcome> StoreAsync(AiJob job, IReadOnlyList<string> parts)
    {
        var result = (string?)await redis.GetDatabase().ScriptEvaluateAsync(StoreScript, new
        {
            AnswerKey = (RedisKey)PassiveReplyKeys.Answer(job.JobId),
            DeferredKey = (RedisKey)PassiveReplyKeys.Deferred(job.JobId),
            PendingKey = (RedisKey)PassiveReplyKeys.Pending(job.AppId, job.OpenId),
            Parts = JsonSerializer.Serialize(parts),
            TtlSeconds = (long)PassiveReplyKeys.JobTtl.TotalSeconds,
            PendingTtlSeconds = options.Value.PendingTtlHours * 3600L,
            Channel = PassiveReplyKeys.AnswerChannel,
            job.JobId,
        });
        Debug.Assert(result is "stored" or "deferred", "the script returns one of two outcomes");
        return result == "deferred" ? DeliveryOutcome.Deferred : DeliveryOutcome.Delivered;
    }

    private sealed record SwitchReading(bool Passive, long CheckedAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Account {AppId} has no customer-service permission (48001): switched to passive replies for a day")]
    private static partial void LogSwitched(ILogger logger, string appId);
}
