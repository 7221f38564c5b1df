using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Queue;

namespace WeChatAi.Api.Admission;

/// <summary>
/// Admits authenticated user messages: de-duplicates WeChat's retries, applies the per-user limit, enqueues the job
/// and counts it, all in one Lua script (<see cref="AdmissionScript"/>), so replicas never race. Messages arriving
/// while earlier ones are in Redis go together in the next script call (one round trip for many messages; see
/// docs/benchmarks-webhook.md).
/// </summary>
public sealed class MessageAdmission : IAsyncDisposable
{
    /// <summary>WeChat retries for about 15 s; 300 s leaves room for slow retries and clock skew between replicas.</summary>
    public static readonly TimeSpan DedupTtl = TimeSpan.FromMinutes(5);

    /// <summary>Script calls in Redis at once; while they run, new messages queue up for the next call.</summary>
    internal const int MaxCallsInFlight = 2;

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
    private readonly Channel<PendingMessage> _pending = Channel.CreateUnbounded<PendingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _callSlots = new(MaxCallsInFlight, MaxCallsInFlight);
    private readonly Task _sender;

    public MessageAdmission(IConnectionMultiplexer redis, IOptions<RateLimitOptions> limits, IOptionsMonitor<BillingOptions> billing, CreditCache credits, TimeProvider time)
    {
        _redis = redis;
        _limits = limits.Value;
        _billing = billing;
        _credits = credits;
        _time = time;
        _sender = Task.Run(SendBatchesAsync);
    }

    /// <param name="media">An image or voice message's media for the worker to download (<paramref name="content"/> is then its placeholder).</param>
    /// <param name="signedQuery">A plaintext push's signed-query check, run first in the same script; null: none needed.</param>
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
        var dedup = AdmissionKeys.Dedup(appId, dedupKey);
        var message = new PendingMessage(appId, receivedAt, new AdmittedMessage(
            dedup,
            AdmissionKeys.UserBucket(appId, openId),
            BillingKeys.FreeUsed(appId, openId, day),
            BillingKeys.Credits(appId, openId),
            signedQuery?.Key ?? dedup,
            job.ToJson(),
            openId,
            job.JobId,
            $"{Charge.Free}:{BillingDay.Key(day)}",
            signedQuery?.BodyHash ?? string.Empty,
            signedQuery?.Seconds ?? (RedisValue)string.Empty));

        if (!_pending.Writer.TryWrite(message))
        {
            throw new ObjectDisposedException(nameof(MessageAdmission), "The API is shutting down.");
        }

        return message.Result.Task;
    }

    /// <summary>
    /// Runs the script once with no message (it writes nothing): Redis compiles and caches it and the client's
    /// call path is compiled before the first request needs it.
    /// </summary>
    public Task WarmUpAsync(string appId) => RunAsync(appId, _time.GetUtcNow(), []);

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _sender.ConfigureAwait(false);
        _callSlots.Dispose();
    }

    private async Task SendBatchesAsync()
    {
        var reader = _pending.Reader;
        var batch = new List<PendingMessage>(MaxBatchSize);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Waiting for a free slot before draining is what lets messages gather while Redis is busy.
            await _callSlots.WaitAsync().ConfigureAwait(false);
            while (batch.Count < MaxBatchSize && reader.TryRead(out var message))
            {
                batch.Add(message);
            }

            _ = SendAsync([.. batch]);
            batch.Clear();
        }

        for (int i = 0; i < MaxCallsInFlight; i++)
        {
            await _callSlots.WaitAsync().ConfigureAwait(false);
        }
    }

    private async Task SendAsync(PendingMessage[] batch)
    {
        RedisResult[] result;
        var messages = new AdmittedMessage[batch.Length];
        for (int i = 0; i < batch.Length; i++)
        {
            messages[i] = batch[i].Message;
        }

        while (true)
        {
            try
            {
                result = (RedisResult[])(await RunAsync(batch[0].AppId, batch[0].ReceivedAt, messages).ConfigureAwait(false))!;
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
                Fail(batch, ex);
                return;
            }
        }

        // The next batch may go to Redis while this one's requests finish their replies.
        _callSlots.Release();
        bool passiveSwitch = AdmissionScript.PassiveSwitch(result);
        for (int i = 0; i < batch.Length; i++)
        {
            if (AdmissionScript.Outcome(result, i) is { } known)
            {
                batch[i].Result.TrySetResult(new AdmissionResult(known, AdmissionScript.IsDuplicate(result, i), passiveSwitch));
            }
            else
            {
                _ = LoadBalanceAndRetryAsync(batch[i], passiveSwitch);
            }
        }
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

        if (!_pending.Writer.TryWrite(message))
        {
            message.Result.TrySetException(new ObjectDisposedException(nameof(MessageAdmission), "The API is shutting down."));
        }
    }

    private void Fail(PendingMessage[] batch, Exception ex)
    {
        _callSlots.Release();
        foreach (var message in batch)
        {
            message.Result.TrySetException(ex);
        }
    }

    private Task<RedisResult> RunAsync(string appId, DateTimeOffset receivedAt, AdmittedMessage[] messages) =>
        AdmissionScript.RunAsync(_redis.GetDatabase(), appId, receivedAt, _limits, _billing.CurrentValue.FreeDailyMessages, messages);

    private sealed record PendingMessage(string AppId, DateTimeOffset ReceivedAt, AdmittedMessage Message)
    {
        // Synchronous continuations: the batch's requests finish on the thread that read the results instead of waking
        // a thread-pool thread each (docs/benchmarks-webhook.md).
        public TaskCompletionSource<AdmissionResult> Result { get; } = new();

        /// <summary>Times the credit balance was loaded for this message (at most twice).</summary>
        public int BalanceLoads { get; set; }
    }
}
