using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Replies;
using WeChatAi.Core.WeChat;
using WeChatAi.Core.Redis;

namespace WeChatAi.Api.Passive;

/// <summary>What to answer WeChat for a message in passive reply mode.</summary>
public enum PassiveOutcome
{
    /// <summary>The answer (with whatever was pending for the user) is the passive reply.</summary>
    Ready,

    /// <summary>Not ready and WeChat will try again: give no answer, so it does.</summary>
    AwaitRetry,

    /// <summary>Not ready after WeChat's last attempt: the answer comes with the user's next message.</summary>
    Late,
}

public readonly record struct PassiveReply(PassiveOutcome Outcome, string? Text);

/// <summary>
/// Passive reply mode on the API's side: holds WeChat's request while the worker answers. Any replica can hold any
/// attempt: the worker stores the answer in Redis and publishes the job id (<see cref="PassiveReplyScripts"/>), and
/// every replica listens on one subscription.
/// </summary>
public sealed class PassiveReplyWaiter(IConnectionMultiplexer redis, JobShards shards, IOptions<WeChatOptions> options) : IDisposable
{
    /// <summary>WeChat gives up on an attempt after 5 s; answering within 4.5 s leaves room for the network.</summary>
    public static readonly TimeSpan HoldTime = TimeSpan.FromSeconds(4.5);

    /// <summary>WeChat tries a message three times, then shows nothing.</summary>
    public const int WeChatAttempts = 3;

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _subscribeOnce = new(1, 1);
    private volatile bool _subscribed;

    public async Task<PassiveReply> WaitAsync(string appId, string openId, string jobId, CancellationToken cancellationToken)
    {
        await EnsureSubscribedAsync().ConfigureAwait(false);
        var db = redis.GetDatabase();
        var attemptsKey = ReplyKeys.Attempts(shards.Of(openId), jobId);
        var attempt = await db.StringIncrementAsync(attemptsKey).ConfigureAwait(false);
        if (attempt == 1)
        {
            await db.KeyExpireAsync(attemptsKey, ReplyKeys.JobTtl).ConfigureAwait(false);
        }

        var answered = _waiters.GetOrAdd(jobId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            if (await TakeReplyAsync(db, appId, openId, jobId, defer: false).ConfigureAwait(false) is { } ready)
            {
                return new PassiveReply(PassiveOutcome.Ready, ready);
            }

            await Task.WhenAny(answered.Task, Task.Delay(HoldTime, cancellationToken)).ConfigureAwait(false);
            var lastAttempt = attempt >= WeChatAttempts;
            if (await TakeReplyAsync(db, appId, openId, jobId, defer: lastAttempt).ConfigureAwait(false) is { } reply)
            {
                return new PassiveReply(PassiveOutcome.Ready, reply);
            }

            return new PassiveReply(lastAttempt ? PassiveOutcome.Late : PassiveOutcome.AwaitRetry, null);
        }
        finally
        {
            _waiters.TryRemove(KeyValuePair.Create(jobId, answered));
        }
    }

    public void Dispose() => _subscribeOnce.Dispose();

    private Task<string?> TakeReplyAsync(IDatabase db, string appId, string openId, string jobId, bool defer) =>
        PassiveReplyScripts.TakeReplyAsync(db, shards.Of(openId), appId, openId, jobId, defer, TimeSpan.FromHours(options.Value.PendingTtlHours));

    /// <summary>Subscribes once per process; called at startup too, so the first passive request does not pay for it.</summary>
    public async Task EnsureSubscribedAsync()
    {
        if (_subscribed)
        {
            return;
        }

        await _subscribeOnce.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_subscribed)
            {
                // One subscription per process (re-established by the client after a reconnect), whatever the traffic.
                await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(ReplyKeys.AnswerChannel), (_, jobId) =>
                {
                    if (_waiters.TryGetValue(jobId.ToString(), out var waiter))
                    {
                        waiter.TrySetResult();
                    }
                }).ConfigureAwait(false);
                _subscribed = true;
            }
        }
        finally
        {
            _subscribeOnce.Release();
        }
    }
}
