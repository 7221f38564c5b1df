using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Queue;

namespace WeChatAi.Api.WeChat;

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
/// Passive reply mode: holds WeChat's request while the worker answers. Any replica can hold any attempt: the worker
/// stores the answer in Redis and publishes the job id, and every replica listens on one subscription.
/// </summary>
public sealed class PassiveReplies(IConnectionMultiplexer redis, IOptions<WeChatOptions> options) : IDisposable
{
    /// <summary>WeChat gives up on an attempt after 5 s; answering within 4.5 s leaves room for the network.</summary>
    public static readonly TimeSpan HoldTime = TimeSpan.FromSeconds(4.5);

    /// <summary>WeChat tries a message three times, then shows nothing.</summary>
    public const int WeChatAttempts = 3;

    private const string Separator = "\n\n";

    // Builds the reply once per job: what was pending for the user first, then the answer, as much as fits one passive
    // reply; the rest goes back to the pending list. With ARGV[4] = 1 and no answer yet, marks the job deferred so
    // the worker sends its answer to the pending list instead.
    private static readonly LuaScript TakeReplyScript = LuaScript.Prepare("""
        local done = redis.call('GET', @ReplyKey)
        if done then
          return done
        end
        local answer = redis.call('GET', @AnswerKey)
        if not answer then
          if @DeferIfMissing == '1' then
            redis.call('SET', @DeferredKey, '1', 'EX', @TtlSeconds)
          end
          return false
        end
        local parts = redis.call('LRANGE', @PendingKey, 0, -1)
        for _, part in ipairs(cjson.decode(answer)) do
          table.insert(parts, part)
        end
        if #parts == 0 then
          return false
        end
        local reply = parts[1]
        local used = 1
        for i = 2, #parts do
          local candidate = reply .. @Separator .. parts[i]
          if string.len(candidate) > tonumber(@MaxBytes) then
            break
          end
          reply = candidate
          used = i
        end
        redis.call('DEL', @PendingKey)
        for i = used + 1, #parts do
          redis.call('RPUSH', @PendingKey, parts[i])
        end
        if #parts > used then
          redis.call('EXPIRE', @PendingKey, @PendingTtlSeconds)
        end
        redis.call('SET', @ReplyKey, reply, 'EX', @TtlSeconds)
        return reply
        """);

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _subscribeOnce = new(1, 1);
    private volatile bool _subscribed;

    public async Task<PassiveReply> WaitAsync(string appId, string openId, string jobId, CancellationToken cancellationToken)
    {
        await EnsureSubscribedAsync().ConfigureAwait(false);
        var db = redis.GetDatabase();
        var attemptsKey = PassiveReplyKeys.Attempts(jobId);
        var attempt = await db.StringIncrementAsync(attemptsKey).ConfigureAwait(false);
        if (attempt == 1)
        {
            await db.KeyExpireAsync(attemptsKey, PassiveReplyKeys.JobTtl).ConfigureAwait(false);
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

    private async Task<string?> TakeReplyAsync(IDatabase db, string appId, string openId, string jobId, bool defer)
    {
        var result = await db.ScriptEvaluateAsync(TakeReplyScript, new
        {
            ReplyKey = (RedisKey)PassiveReplyKeys.Reply(jobId),
            AnswerKey = (RedisKey)PassiveReplyKeys.Answer(jobId),
            PendingKey = (RedisKey)PassiveReplyKeys.Pending(appId, openId),
            DeferredKey = (RedisKey)PassiveReplyKeys.Deferred(jobId),
            DeferIfMissing = defer ? "1" : "0",
            Separator,
            MaxBytes = PassiveReplyKeys.MaxReplyBytes,
            TtlSeconds = (long)PassiveReplyKeys.JobTtl.TotalSeconds,
            PendingTtlSeconds = options.Value.PendingTtlHours * 3600L,
        }).ConfigureAwait(false);
        return result.IsNull ? null : (string?)result;
    }

    private async Task EnsureSubscribedAsync()
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
                await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(PassiveReplyKeys.AnswerChannel), (_, jobId) =>
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
