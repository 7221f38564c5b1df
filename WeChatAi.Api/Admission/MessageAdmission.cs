using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;

namespace WeChatAi.Api.Admission;

/// <summary>
/// Admits authenticated user messages: de-duplicates WeChat's retries, applies the per-user limit, enqueues the job
/// and counts it, all in one Lua script (<see cref="AdmissionScript"/>), so replicas never race. Each user's messages
/// go to the user's shard (<see cref="JobShards"/>), and each shard batches on its own: messages arriving while earlier
/// ones of the shard are in Redis go together in its next script call (one round trip for many messages; see
/// docs/benchmarks-webhook.md), whose keys are all in the shard's cluster slot.
/// </summary>
public sealed class MessageAdmission : IAsyncDisposable
{
    /// <summary>WeChat retries for about 15 s; 300 s leaves room for slow retries and clock skew between replicas.</summary>
    public static readonly TimeSpan DedupTtl = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Script calls of one shard in Redis at once; while it runs, the shard's new messages queue up for its next call.
    /// One per shard (the single stream had two): the shards' calls overlap each other, and a shard's messages wait for
    /// its call in flight, so its batches stay large enough to amortise a call (docs/keyspace.md, "Admission").
    /// </summary>
    internal const int MaxCallsInFlight = 1;

    /// <summary>
    /// How long a message may wait for Redis (a restart, a failover) before the webhook gives up and answers 503:
    /// well inside WeChat's 5 s, so WeChat hears of the failure before it times out.
    /// </summary>
    public static readonly TimeSpan RedisWait = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>Caps one script run (Redis runs scripts one at a time, so a huge batch would delay everyone else).</summary>
    internal const int MaxBatchSize = 128;

    private readonly IConnectionMultiplexer _redis;
    private readonly RateLimitOptions _limits;
    private readonly IOptionsMonitor<BillingOptions> _billing;
    private readonly CreditCache _credits;
    private readonly TimeProvider _time;
    private readonly JobShards _shards;
    private readonly ReplicaAcks _replicaAcks;
    private readonly ShardQueue[] _queues;

    public MessageAdmission(IConnectionMultiplexer redis, JobShards shards, ReplicaAcks replicaAcks, IOptions<RateLimitOptions> limits, IOptionsMonitor<BillingOptions> billing, CreditCache credits, TimeProvider time)
    {
        _redis = redis;
        _shards = shards;
        _replicaAcks = replicaAcks;
        _limits = limits.Value;
        _billing = billing;
        _credits = credits;
        _time = time;
        _queues = [.. shards.All.Select(shard => new ShardQueue(shard))];
        foreach (var queue in _queues)
        {
            queue.Sender = Task.Run(() => SendBatchesAsync(queue));
        }
    }

    /// <param name="media">An image or voice message's media for the worker to download (<paramref name="content"/> is then its placeholder).</param>
    /// <param name="signedQuery">A plaintext push's signed-query check, run first for the batch (its own command: its key
    /// may be of another slot); null: none needed.</param>
    public Task<AdmissionResult> AdmitAsync(string appId, string dedupKey, string openId, long msgId, string content, JobMedia? media = null, SignedQueryCheck? signedQuery = null)
    {
        var activity = Activity.Current;
        var receivedAt = _time.GetUtcNow();
        var job = new AiJob(
            appId,
            openId,
            msgId,
            content,
            receivedAt.ToUnixTimeMilliseconds(),
            activity?.IdFormat == ActivityIdFormat.W3C ? activity.Id : null,
            activity?.TraceStateString,
            media);

        // The JSON is built here, on the request's thread, so the single sender loop only gathers ready values.
        var day = BillingDay.Of(receivedAt);
        var shard = _shards.Of(openId);
        var message = new PendingMessage(appId, receivedAt, signedQuery, new AdmittedMessage(
            AdmissionKeys.Dedup(shard, appId, dedupKey),
            AdmissionKeys.UserBucket(shard, appId, openId),
            BillingKeys.FreeUsed(shard, appId, openId, day),
            BillingKeys.Credits(shard, appId, openId),
            job.ToJson(),
            openId,
            job.JobId,
            $"{Charge.Free}:{BillingDay.Key(day)}"));

        if (!_queues[shard.Index].Pending.Writer.TryWrite(message))
        {
            throw new ObjectDisposedException(nameof(MessageAdmission), "The API is shutting down.");
        }

        return message.Result.Task;
    }

    /// <summary>
    /// Runs the script once per shard with no message (it writes nothing): every master compiles and caches it and
    /// the client's call path is compiled before the first request needs it.
    /// </summary>
    public Task WarmUpAsync(string appId) => Task.WhenAll(_shards.All.Select(shard => RunAsync(shard, appId, _time.GetUtcNow(), [])));

    public async ValueTask DisposeAsync()
    {
        foreach (var queue in _queues)
        {
            queue.Pending.Writer.TryComplete();
        }

        foreach (var queue in _queues)
        {
            await queue.Sender.ConfigureAwait(false);
            queue.CallSlots.Dispose();
        }
    }

    private async Task SendBatchesAsync(ShardQueue queue)
    {
        var reader = queue.Pending.Reader;
        var batch = new List<PendingMessage>(MaxBatchSize);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Waiting for a free slot before draining is what lets messages gather while Redis is busy.
            await queue.CallSlots.WaitAsync().ConfigureAwait(false);
            while (batch.Count < MaxBatchSize && reader.TryRead(out var message))
            {
                batch.Add(message);
            }

            _ = SendAsync(queue, [.. batch]);
            batch.Clear();
        }

        for (int i = 0; i < MaxCallsInFlight; i++)
        {
            await queue.CallSlots.WaitAsync().ConfigureAwait(false);
        }
    }

    private async Task SendAsync(ShardQueue queue, PendingMessage[] batch)
    {
        RedisResult[] result;
        bool[] replayed;
        AdmittedMessage[] messages;
        while (true)
        {
            try
            {
                replayed = await CheckSignedQueriesAsync(batch).ConfigureAwait(false);
                messages = Unreplayed(batch, replayed);
                result = (RedisResult[])(await RunAsync(queue.Shard, batch[0].AppId, batch[0].ReceivedAt, messages).ConfigureAwait(false))!;
                break;
            }
            catch (RedisConnectionException) when (_time.GetUtcNow() - batch[0].ReceivedAt < RedisWait)
            {
                // The connection dropped with the call on the wire (a Redis restart): it may or may not have run.
                // Running it again is safe, de-dup answers each message with its first outcome, so its requests
                // still get their reply instead of an error.
                await Task.Delay(RetryDelay, _time).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Whatever failed, every waiting request must hear of it (WeChat then retries).
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Fail(queue, batch, ex);
                return;
            }
        }

        // The next batch may go to Redis while this one's requests finish their replies.
        queue.CallSlots.Release();
        if (!await _replicaAcks.WaitAsync(QueueKeys.JobStream(queue.Shard)).ConfigureAwait(false))
        {
            // Only the master holds the batch: a failover now would lose it. WeChat retries, and de-dup answers the retry
            // with the first outcome once a replica has it.
            var notReplicated = new RedisException("The messages did not reach a Redis replica in time.");
            foreach (var message in batch)
            {
                message.Result.TrySetException(notReplicated);
            }

            return;
        }

        bool passiveSwitch = AdmissionScript.PassiveSwitch(result);
        for (int i = 0, admitted = 0; i < batch.Length; i++)
        {
            if (replayed[i])
            {
                batch[i].Result.TrySetResult(new AdmissionResult(AdmissionOutcome.Replayed, IsDuplicate: false, passiveSwitch));
            }
            else if (AdmissionScript.Outcome(result, admitted) is { } known)
            {
                batch[i].Result.TrySetResult(new AdmissionResult(known, AdmissionScript.IsDuplicate(result, admitted++), passiveSwitch));
            }
            else
            {
                admitted++;
                _ = LoadBalanceAndRetryAsync(batch[i], passiveSwitch);
            }
        }
    }

    private static AdmittedMessage[] Unreplayed(PendingMessage[] batch, bool[] replayed)
    {
        var messages = new List<AdmittedMessage>(batch.Length);
        for (int i = 0; i < batch.Length; i++)
        {
            if (!replayed[i])
            {
                messages.Add(batch[i].Message);
            }
        }

        return [.. messages];
    }

    /// <summary>
    /// The batch's plaintext signed-query checks (Webhook/SignedQueryReplay), pipelined in one round trip before the
    /// script: a query already holding another body marks its message replayed, and it is neither claimed nor charged.
    /// Sent again with the script after a dropped connection: a check that did run then finds its own hash.
    /// </summary>
    private async Task<bool[]> CheckSignedQueriesAsync(PendingMessage[] batch)
    {
        var replayed = new bool[batch.Length];
        Task<bool>?[]? checks = null;
        for (int i = 0; i < batch.Length; i++)
        {
            if (batch[i].SignedQuery is { } check)
            {
                checks ??= new Task<bool>?[batch.Length];
                checks[i] = SignedQueryCheck.RunAsync(_redis.GetDatabase(), check);
            }
        }

        for (int i = 0; checks is not null && i < batch.Length; i++)
        {
            replayed[i] = checks[i] is { } check && !await check.ConfigureAwait(false);
        }

        return replayed;
    }

    /// <summary>
    /// The user's first credit use since Redis last held the balance: load it from the ledger (once per day at most,
    /// see <see cref="BillingKeys.CreditsTtl"/>) and admit the message again in a later batch.
    /// </summary>
    private async Task LoadBalanceAndRetryAsync(PendingMessage message, bool passiveSwitch)
    {
        try
        {
            if (++message.BalanceLoads > 2)
            {
                throw new InvalidOperationException("The credit balance vanished from Redis twice while loading.");
            }

            await _credits.LoadAsync(message.AppId, message.Message.OpenId).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // PostgreSQL away or slow: the user hears the quota cannot be checked; nothing was admitted.
        catch (Exception)
#pragma warning restore CA1031
        {
            message.Result.TrySetResult(new AdmissionResult(AdmissionOutcome.QuotaUnavailable, IsDuplicate: false, passiveSwitch));
            return;
        }

        if (!_queues[_shards.Of(message.Message.OpenId).Index].Pending.Writer.TryWrite(message))
        {
            message.Result.TrySetException(new ObjectDisposedException(nameof(MessageAdmission), "The API is shutting down."));
        }
    }

    private static void Fail(ShardQueue queue, PendingMessage[] batch, Exception ex)
    {
        queue.CallSlots.Release();
        foreach (var message in batch)
        {
            message.Result.TrySetException(ex);
        }
    }

    private Task<RedisResult> RunAsync(JobShard shard, string appId, DateTimeOffset receivedAt, AdmittedMessage[] messages) =>
        AdmissionScript.RunAsync(_redis.GetDatabase(), shard, appId, receivedAt, _limits, _billing.CurrentValue.FreeDailyMessages, messages);

    /// <summary>One shard's messages waiting for its next script call, and its calls in flight.</summary>
    private sealed class ShardQueue(JobShard shard)
    {
        public JobShard Shard { get; } = shard;

        public Channel<PendingMessage> Pending { get; } = Channel.CreateUnbounded<PendingMessage>(new UnboundedChannelOptions { SingleReader = true });

        public SemaphoreSlim CallSlots { get; } = new(MaxCallsInFlight, MaxCallsInFlight);

        public Task Sender { get; set; } = Task.CompletedTask;
    }

    private sealed record PendingMessage(string AppId, DateTimeOffset ReceivedAt, SignedQueryCheck? SignedQuery, AdmittedMessage Message)
    {
        // Synchronous continuations: the batch's requests finish on the thread that read the results instead of waking
        // a thread-pool thread each (docs/benchmarks-webhook.md).
        public TaskCompletionSource<AdmissionResult> Result { get; } = new();

        /// <summary>Times the credit balance was loaded for this message (at most twice).</summary>
        public int BalanceLoads { get; set; }
    }
}
