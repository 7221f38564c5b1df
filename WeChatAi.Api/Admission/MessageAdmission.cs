using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Replies;
using WeChatAi.Core.Stats;

namespace WeChatAi.Api.Admission;

/// <summary>What became of a user message handed to <see cref="MessageAdmission"/>.</summary>
public enum AdmissionOutcome
{
    /// <summary>A new job is on the stream.</summary>
    Enqueued,

    /// <summary>The user's bucket was empty: no job.</summary>
    RateLimited,

    /// <summary>Today's free questions are used up and the user has no credits: no job.</summary>
    OverQuota,

    /// <summary>Free questions used up and the credit balance could not be read from PostgreSQL: no job.</summary>
    QuotaUnavailable,

    /// <summary>An operator blocked the user (<see cref="BlockedUsers"/>): no job, no charge.</summary>
    Blocked,

    /// <summary>Its signed query already came with another body (<see cref="SignedQueryCheck"/>): no claim, no job, no charge.</summary>
    Replayed,
}

/// <param name="Outcome">For a duplicate, the outcome of the first delivery, so a retry gets the same kind of reply.</param>
/// <param name="PassiveSwitch">The worker found the account lacks customer-service permission: reply passively.</param>
public readonly record struct AdmissionResult(AdmissionOutcome Outcome, bool IsDuplicate, bool PassiveSwitch);

/// <summary>
/// Admits authenticated user messages: de-duplicates WeChat's retries, applies the per-user limit, enqueues the job
/// and counts it, all in one Lua script, so replicas never race. Messages arriving while earlier ones are in Redis go
/// together in the next script call (one round trip for many messages; see docs/benchmarks-webhook.md).
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

    private const string Enqueued = "enqueued";
    private const string RateLimited = "rate_limited";
    private const string OverQuota = "over_quota";
    private const string Blocked = "blocked";
    private const string Replayed = "replayed";

    // Not an outcome: the user's credit balance is not in Redis yet; the message is admitted again once it is loaded.
    private const string NeedsBalance = "load";

    // KEYS: the stream, today's counters, today's users, the passive switch, the usage stream, the overview's minutes of
    // China's day, the blocked set, then per message its de-dup key, its bucket key, the user's free counter of the day,
    // credit balance and signed-query key (its de-dup key again when unchecked). ARGV: refill per minute, burst, de-dup
    // TTL, stats retention, free questions per day, free counter TTL, AppId, the minute's field, the minutes' retention,
    // then per message the job's JSON, the OpenID, the job id, its free charge (f:{day}), its body's hash and the signed
    // query's TTL (both empty when unchecked). TIME (not the caller's clock) feeds the buckets so replicas with skewed
    // clocks share one "now".
    // First the signed-query check of a plaintext push (SET NX GET, as Webhook/SignedQueryReplay): another body already
    // under the query is refused before anything is claimed, counted or charged.
    // The bucket is GCRA, the token bucket kept as one number: the time at which the bucket is full again ("tat").
    // A message may pass while tat is at most burst - 1 intervals ahead; it moves tat one interval on. The key
    // expires at tat, when a missing key means the same thing: a full bucket.
    // Then the charge: a free question while the day's counter allows, else a credit from the loaded balance; with no
    // balance loaded yet the message's claim is dropped and it comes back once the API has loaded it.
    // A blocked user's message is refused before all that (one SISMEMBER): no bucket, no charge, no job.
    private const int SharedKeys = 7;
    private const int KeysPerMessage = 5;
    private const int SharedArgs = 9;
    private const int ArgsPerMessage = 6;

    private static readonly string Script = $$"""
        local now = redis.call('TIME')
        local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
        local interval = 60000 / tonumber(ARGV[1])
        local ahead = (tonumber(ARGV[2]) - 1) * interval
        local dedupTtl = ARGV[3]
        local results = {}
        local users = {}
        local received, limited, overQuota, blocked = 0, 0, 0, 0
        local freeLimit = tonumber(ARGV[5])
        local count = (#KEYS - {{SharedKeys}}) / {{KeysPerMessage}}
        for i = 1, count do
          local k = {{SharedKeys}} + (i - 1) * {{KeysPerMessage}}
          local dedupKey = KEYS[k + 1]
          local bucketKey = KEYS[k + 2]
          local a = {{SharedArgs}} + (i - 1) * {{ArgsPerMessage}}
          local replayed = false
          if ARGV[a + 5] ~= '' then
            local first = redis.call('SET', KEYS[k + 5], ARGV[a + 5], 'NX', 'GET', 'EX', ARGV[a + 6])
            replayed = first and first ~= ARGV[a + 5]
          end

          -- Claims the message at once; the outcome is corrected below in the rare rate-limited case.
          if replayed then
            results[2 * i - 1] = '{{Replayed}}'
            results[2 * i] = 0
          elseif not redis.call('SET', dedupKey, '{{Enqueued}}', 'NX', 'EX', dedupTtl) then
            results[2 * i - 1] = redis.call('GET', dedupKey) or '{{Enqueued}}'
            results[2 * i] = 1
          elseif redis.call('SISMEMBER', KEYS[7], ARGV[a + 2]) == 1 then
            redis.call('SET', dedupKey, '{{Blocked}}', 'KEEPTTL')
            blocked = blocked + 1
            results[2 * i - 1] = '{{Blocked}}'
            results[2 * i] = 0
          else
            local tat = tonumber(redis.call('GET', bucketKey)) or nowMs
            if tat < nowMs then
              tat = nowMs
            end

            local charge = nil
            if tat - nowMs <= ahead then
              local used = redis.call('INCR', KEYS[k + 3])
              if used <= freeLimit then
                if used == 1 then
                  redis.call('EXPIRE', KEYS[k + 3], ARGV[6])
                end
                charge = ARGV[a + 4]
              else
                redis.call('DECR', KEYS[k + 3])
                local balance = redis.call('HGET', KEYS[k + 4], '{{BillingKeys.BalanceField}}')
                if not balance then
                  charge = false
                elseif tonumber(balance) > 0 then
                  redis.call('HINCRBY', KEYS[k + 4], '{{BillingKeys.BalanceField}}', -1)
                  charge = '{{Charge.Credit}}'
                end
              end
            end

            if charge then
              tat = tat + interval
              redis.call('XADD', KEYS[1], '*', '{{AiJob.StreamField}}', ARGV[a + 1], '{{AiJob.ChargeField}}', charge)
              redis.call('XADD', KEYS[5], '*', '{{UsageFields.AppId}}', ARGV[7], '{{UsageFields.OpenId}}', ARGV[a + 2],
                '{{UsageFields.JobId}}', ARGV[a + 3], '{{UsageFields.Kind}}', string.sub(charge, 1, 1), '{{UsageFields.Day}}', string.sub(ARGV[a + 4], 3))
              redis.call('SET', bucketKey, tat, 'PXAT', math.ceil(tat))
              received = received + 1
              results[2 * i - 1] = '{{Enqueued}}'
            elseif charge == false then
              redis.call('DEL', dedupKey)
              results[2 * i - 1] = '{{NeedsBalance}}'
            elseif tat - nowMs <= ahead then
              redis.call('SET', dedupKey, '{{OverQuota}}', 'KEEPTTL')
              overQuota = overQuota + 1
              results[2 * i - 1] = '{{OverQuota}}'
            else
              redis.call('SET', dedupKey, '{{RateLimited}}', 'KEEPTTL')
              limited = limited + 1
              results[2 * i - 1] = '{{RateLimited}}'
            end

            users[#users + 1] = ARGV[a + 2]
            results[2 * i] = 0
          end
        end

        if received > 0 then
          redis.call('HINCRBY', KEYS[2], '{{StatsKeys.ReceivedField}}', received)
          -- The minute's first count sets the expiry: once a minute, not once a call.
          if redis.call('HINCRBY', KEYS[6], ARGV[8], received) == received then
            redis.call('EXPIRE', KEYS[6], ARGV[9])
          end
        end
        if limited > 0 then
          redis.call('HINCRBY', KEYS[2], '{{RateLimited}}', limited)
        end
        if overQuota > 0 then
          redis.call('HINCRBY', KEYS[2], '{{OverQuota}}', overQuota)
        end
        if blocked > 0 then
          redis.call('HINCRBY', KEYS[2], '{{Blocked}}', blocked)
        end
        if #users > 0 then
          redis.call('PFADD', KEYS[3], unpack(users))
          -- NX: only the day's first call sets the expiry; the rest of the day it is one cheap no-op per batch.
          redis.call('EXPIRE', KEYS[2], ARGV[4], 'NX')
          redis.call('EXPIRE', KEYS[3], ARGV[4], 'NX')
        end
        results[2 * count + 1] = redis.call('EXISTS', KEYS[4])
        return results
        """;

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
        var message = new PendingMessage(appId, AdmissionKeys.Dedup(appId, dedupKey), AdmissionKeys.UserBucket(appId, openId), openId, job.ToJson(), receivedAt)
        {
            FreeKey = BillingKeys.FreeUsed(appId, openId, day),
            CreditsKey = BillingKeys.Credits(appId, openId),
            JobId = job.JobId,
            FreeCharge = $"{Charge.Free}:{BillingDay.Key(day)}",
            SignedQuery = signedQuery,
        };

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
    public async Task WarmUpAsync(string appId)
    {
        var now = _time.GetUtcNow();
        await _redis.GetDatabase().ScriptEvaluateAsync(Script, SharedKeysFor(appId, now, 0), SharedValues(appId, now, 0)).ConfigureAwait(false);
    }

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
        var keys = Keys(batch);
        var values = Values(batch);
        while (true)
        {
            try
            {
                result = (RedisResult[])(await _redis.GetDatabase().ScriptEvaluateAsync(Script, keys, values).ConfigureAwait(false))!;
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
        bool passiveSwitch = (long)result[^1] == 1;
        for (int i = 0; i < batch.Length; i++)
        {
            var outcome = (string?)result[2 * i] switch
            {
                Enqueued => AdmissionOutcome.Enqueued,
                OverQuota => AdmissionOutcome.OverQuota,
                Blocked => AdmissionOutcome.Blocked,
                Replayed => AdmissionOutcome.Replayed,
                NeedsBalance => (AdmissionOutcome?)null,
                _ => AdmissionOutcome.RateLimited,
            };
            if (outcome is { } known)
            {
                batch[i].Result.TrySetResult(new AdmissionResult(known, (long)result[(2 * i) + 1] == 1, passiveSwitch));
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

            await _credits.LoadAsync(message.AppId, message.OpenId).ConfigureAwait(false);
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

    private static RedisKey[] Keys(PendingMessage[] batch)
    {
        // One batch spans at most two days only at China's midnight; its messages are counted on the first one's day.
        var keys = SharedKeysFor(batch[0].AppId, batch[0].ReceivedAt, batch.Length);
        for (int i = 0; i < batch.Length; i++)
        {
            int k = SharedKeys + (KeysPerMessage * i);
            keys[k] = batch[i].DedupKey;
            keys[k + 1] = batch[i].BucketKey;
            keys[k + 2] = batch[i].FreeKey;
            keys[k + 3] = batch[i].CreditsKey;
            keys[k + 4] = batch[i].SignedQuery?.Key ?? batch[i].DedupKey;
        }

        return keys;
    }

    private static RedisKey[] SharedKeysFor(string appId, DateTimeOffset day, int messages)
    {
        var keys = new RedisKey[SharedKeys + (KeysPerMessage * messages)];
        keys[0] = QueueKeys.JobStream;
        keys[1] = StatsKeys.Counters(day);
        keys[2] = StatsKeys.Users(day);
        keys[3] = ReplyKeys.PassiveSwitch(appId);
        keys[4] = BillingKeys.UsageStream;
        keys[5] = StatsKeys.Minutes(day);
        keys[6] = AdmissionKeys.Blocked(appId);
        return keys;
    }

    private RedisValue[] Values(PendingMessage[] batch)
    {
        var values = SharedValues(batch[0].AppId, batch[0].ReceivedAt, batch.Length);
        for (int i = 0; i < batch.Length; i++)
        {
            int a = SharedArgs + (ArgsPerMessage * i);
            values[a] = batch[i].Job;
            values[a + 1] = batch[i].OpenId;
            values[a + 2] = batch[i].JobId;
            values[a + 3] = batch[i].FreeCharge;
            values[a + 4] = batch[i].SignedQuery?.BodyHash ?? string.Empty;
            values[a + 5] = batch[i].SignedQuery?.Seconds ?? (RedisValue)string.Empty;
        }

        return values;
    }

    private RedisValue[] SharedValues(string appId, DateTimeOffset receivedAt, int messages)
    {
        var values = new RedisValue[SharedArgs + (ArgsPerMessage * messages)];
        values[0] = _limits.PerUserPerMinute;
        values[1] = _limits.PerUserBurst;
        values[2] = (long)DedupTtl.TotalSeconds;
        values[3] = (long)StatsKeys.Retention.TotalSeconds;
        values[4] = _billing.CurrentValue.FreeDailyMessages; // live: the operator may change it
        values[5] = (long)BillingKeys.FreeUsedTtl.TotalSeconds;
        values[6] = appId;
        values[7] = StatsKeys.ReceivedMinuteField(receivedAt);
        values[8] = (long)StatsKeys.MinutesRetention.TotalSeconds;
        return values;
    }

    private sealed record PendingMessage(string AppId, string DedupKey, string BucketKey, string OpenId, byte[] Job, DateTimeOffset ReceivedAt)
    {
        // Synchronous continuations: the batch's requests finish on the thread that read the results instead of waking
        // a thread-pool thread each (docs/benchmarks-webhook.md).
        public TaskCompletionSource<AdmissionResult> Result { get; } = new();

        public required string FreeKey { get; init; }

        public required string CreditsKey { get; init; }

        public required string JobId { get; init; }

        /// <summary>The charge of a free question: <c>f:{day}</c>, China's day it was received on.</summary>
        public required string FreeCharge { get; init; }

        /// <summary>Plaintext: the signed-query check the script runs first; null for none.</summary>
        public SignedQueryCheck? SignedQuery { get; init; }

        /// <summary>Times the credit balance was loaded for this message (at most twice).</summary>
        public int BalanceLoads { get; set; }
    }
}
