using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;
using WeChatAi.Core.Replies;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Worker.Delivery;

/// <summary>
/// Passive reply mode on the worker's side: instead of pushing, store the answer and announce it, so the API replica
/// holding WeChat's request replies with it; if WeChat already gave up, the answer waits for the user's next message.
/// </summary>
internal sealed partial class PassiveDelivery(
    IConnectionMultiplexer redis, JobShards shards, IOptions<WeChatOptions> options, TimeProvider time, ILogger<PassiveDelivery> logger)
{
    /// <summary>How long a worker trusts what it last read of the account's switch to passive mode.</summary>
    private static readonly TimeSpan SwitchCacheTime = TimeSpan.FromSeconds(5);

    /// <summary>The switch after a 48001 lasts a day, then customer-service messages are tried again.</summary>
    private static readonly TimeSpan SwitchTtl = TimeSpan.FromDays(1);

    // Replaced whole (a reference), so concurrent jobs never read half of an update.
    private SwitchReading? _switch;

    /// <summary>Read on one shard (the switch is written to every shard, for each shard's admission script).</summary>
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

        var passive = await redis.GetDatabase().KeyExistsAsync(ReplyKeys.PassiveSwitch(shards[0], appId));
        _switch = new SwitchReading(passive, time.GetTimestamp());
        return passive;
    }

    /// <summary>After 48001 (no customer-service permission): every replica and the API reply passively from now on.</summary>
    public async Task SwitchToPassiveAsync(string appId)
    {
        var db = redis.GetDatabase();
        var writes = shards.All.Select(shard => db.StringSetAsync(ReplyKeys.PassiveSwitch(shard, appId), "48001", SwitchTtl, When.NotExists)).ToArray();
        if ((await Task.WhenAll(writes))[0])
        {
            LogSwitched(logger, appId);
        }

        _switch = new SwitchReading(true, time.GetTimestamp());
    }

    public async Task<DeliveryOutcome> StoreAsync(AiJob job, IReadOnlyList<string> parts) =>
        await PassiveReplyScripts.StoreAnswerAsync(redis.GetDatabase(), shards.Of(job.OpenId), job.AppId, job.OpenId, job.JobId, parts, TimeSpan.FromHours(options.Value.PendingTtlHours))
            ? DeliveryOutcome.Delivered
            : DeliveryOutcome.Deferred;

    private sealed record SwitchReading(bool Passive, long CheckedAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Account {AppId} has no customer-service permission (48001): switched to passive replies for a day")]
    private static partial void LogSwitched(ILogger logger, string appId);
}
