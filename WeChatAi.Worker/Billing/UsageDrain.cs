using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;
using WeChatAi.Core.Redis;

namespace WeChatAi.Worker.Billing;

/// <summary>
/// Moves charges and give-backs from Redis (where the webhook and <see cref="QuotaGiveBack"/> make them) into
/// PostgreSQL: credit uses and give-backs become ledger rows (idempotent on the job), and each user's day in
/// <c>daily_usage</c> takes the free counter's value. Workers share the stream through a consumer group; an entry is
/// deleted only after its batch committed, and a crashed worker's entries are taken over.
/// </summary>
internal sealed partial class UsageDrain(
    IConnectionMultiplexer redis, JobShards shards, IServiceScopeFactory scopes, CreditLedger ledger, TimeProvider time, ILogger<UsageDrain> logger) : BackgroundService
{
    internal const int BatchSize = 200;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ClaimIdle = TimeSpan.FromSeconds(30);

    private readonly string _consumer = $"{Environment.MachineName}-{Environment.ProcessId}";

    // Per shard: its group exists (created once, again after Redis lost it), so a drain does not send XGROUP CREATE
    // to every shard every second. Made at the first drain: the shard count is resolved at start, after construction.
    private bool[]? _groupReady;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var drained = await DrainOnceAsync(stoppingToken);
                failures = 0;
                if (drained < BatchSize)
                {
                    await Task.Delay(Interval, time, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // PostgreSQL or Redis away: the entries stay in the stream until they can be written.
                if (++failures == 1)
                {
                    LogDrainFailed(logger, ex);
                }

                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, failures * 2)), time, stoppingToken);
            }
        }
    }

    /// <summary>Writes one batch of every shard (taken-over entries first); returns the largest batch it wrote.</summary>
    internal async Task<int> DrainOnceAsync(CancellationToken cancellationToken)
    {
        var largest = 0;
        _groupReady ??= new bool[shards.Count];
        foreach (var shard in shards.All)
        {
            largest = Math.Max(largest, await DrainOnceAsync(shard, cancellationToken));
        }

        return largest;
    }

    private async Task<int> DrainOnceAsync(JobShard shard, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var stream = BillingKeys.UsageStream(shard);
        if (!_groupReady![shard.Index])
        {
            await EnsureGroupAsync(db, stream);
            _groupReady[shard.Index] = true;
        }

        StreamEntry[] entries;
        try
        {
            var claimed = await db.StreamAutoClaimAsync(stream, BillingKeys.UsageGroup, _consumer, (long)ClaimIdle.TotalMilliseconds, "0-0", BatchSize);
            entries = claimed.ClaimedEntries.Length > 0
                ? claimed.ClaimedEntries
                : await db.StreamReadGroupAsync(stream, BillingKeys.UsageGroup, _consumer, StreamPosition.NewMessages, BatchSize);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
        {
            _groupReady[shard.Index] = false; // Redis lost it (restarted without its data): created again next round
            throw;
        }

        if (entries.Length == 0)
        {
            return 0;
        }

        var events = entries.Select(UsageEvent.From).ToList();
        var free = await FreeCountersAsync(db, shard, events);
        await WriteAsync(events.Where(e => e is not null).Select(e => e!).ToList(), free, cancellationToken);
        var ids = entries.Select(e => e.Id).ToArray();
        await db.StreamAcknowledgeAsync(stream, BillingKeys.UsageGroup, ids);
        await db.StreamDeleteAsync(stream, ids);
        if (events.Any(e => e is null))
        {
            LogMalformed(logger, events.Count(e => e is null));
        }

        return entries.Length;
    }

    private static async Task EnsureGroupAsync(IDatabase db, RedisKey stream)
    {
        try
        {
            await db.StreamCreateConsumerGroupAsync(stream, BillingKeys.UsageGroup, "0-0", createStream: true);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
        }
    }

    // The free counter's current value is the day's count: writing it (not adding to it) makes a batch written twice harmless.
    private static async Task<Dictionary<(string, string, DateOnly), int>> FreeCountersAsync(IDatabase db, JobShard shard, List<UsageEvent?> events)
    {
        var days = events.Where(e => e is { IsFree: true }).Select(e => (e!.AppId, e.OpenId, e.Day)).Distinct().ToList();
        var values = await Task.WhenAll(days.Select(d => db.StringGetAsync(BillingKeys.FreeUsed(shard, d.AppId, d.OpenId, d.Day))));
        return days.Zip(values).ToDictionary(p => p.First, p => (int)((long?)p.Second ?? 0));
    }

    private async Task WriteAsync(List<UsageEvent> events, Dictionary<(string, string, DateOnly), int> free, CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope)
        {
            var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
            await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
            {
                db.ChangeTracker.Clear();
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                var usage = new Dictionary<(string, string, DateOnly), (int Credits, int GivenBack)>();
                // One user's rows in a fixed order: the advisory locks are taken in the same order everywhere.
                foreach (var e in events.OrderBy(e => e.AppId, StringComparer.Ordinal).ThenBy(e => e.OpenId, StringComparer.Ordinal))
                {
                    var applied = e.Kind switch
                    {
                        Charge.Credit => (await ledger.UseAsync(db, e.AppId, e.OpenId, e.JobId, e.At, cancellationToken)).Applied,
                        UsageFields.GiveBackPrefix + Charge.Credit => (await ledger.GiveBackAsync(db, e.AppId, e.OpenId, e.JobId, e.Reason, cancellationToken)).Applied,
                        _ => e.Kind == UsageFields.GiveBackPrefix + Charge.Free,
                    };
                    var key = (e.AppId, e.OpenId, e.Day);
                    var (credits, givenBack) = usage.GetValueOrDefault(key);
                    usage[key] = (credits + (applied && e.Kind == Charge.Credit ? 1 : 0), givenBack + (applied && e.IsGiveBack ? 1 : 0));
                }

                foreach (var key in free.Keys.Where(k => !usage.ContainsKey(k)))
                {
                    usage[key] = (0, 0);
                }

                var now = time.GetUtcNow();
                foreach (var ((appId, openId, day), (credits, givenBack)) in usage)
                {
                    var hasFree = free.TryGetValue((appId, openId, day), out var freeUsed);
                    await db.Database.ExecuteSqlInterpolatedAsync(
                        $"""
                        INSERT INTO daily_usage ("AppId", "OpenId", "Day", "FreeUsed", "CreditsUsed", "GivenBack", "UpdatedAt")
                        VALUES ({appId}, {openId}, {day}, {freeUsed}, {credits}, {givenBack}, {now})
                        ON CONFLICT ("AppId", "OpenId", "Day") DO UPDATE SET
                            "FreeUsed" = CASE WHEN {hasFree} THEN EXCLUDED."FreeUsed" ELSE daily_usage."FreeUsed" END,
                            "CreditsUsed" = daily_usage."CreditsUsed" + EXCLUDED."CreditsUsed",
                            "GivenBack" = daily_usage."GivenBack" + EXCLUDED."GivenBack",
                            "UpdatedAt" = EXCLUDED."UpdatedAt"
                        """, cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
            });
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Charges cannot be written to PostgreSQL yet (PostgreSQL or Redis unavailable); they wait in Redis")]
    private static partial void LogDrainFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} entry(ies) of the usage stream are not charges; deleted")]
    private static partial void LogMalformed(ILogger logger, int count);

    private sealed record UsageEvent(string AppId, string OpenId, string JobId, string Kind, DateOnly Day, DateTimeOffset At, string? Reason)
    {
        public bool IsGiveBack => Kind.StartsWith(UsageFields.GiveBackPrefix, StringComparison.Ordinal);

        public bool IsFree => Kind.EndsWith(Charge.Free, StringComparison.Ordinal);

        public static UsageEvent? From(StreamEntry entry)
        {
            string? appId = entry[UsageFields.AppId], openId = entry[UsageFields.OpenId], jobId = entry[UsageFields.JobId], kind = entry[UsageFields.Kind];
            if (string.IsNullOrEmpty(appId) || string.IsNullOrEmpty(openId) || string.IsNullOrEmpty(jobId) || string.IsNullOrEmpty(kind)
                || !BillingDay.TryParse(entry[UsageFields.Day], out var day)
                || !long.TryParse(((string?)entry.Id)?.Split('-')[0], System.Globalization.CultureInfo.InvariantCulture, out var ms))
            {
                return null;
            }

            var reason = entry[UsageFields.Reason];
            return new UsageEvent(appId, openId, jobId, kind, day, DateTimeOffset.FromUnixTimeMilliseconds(ms), reason.IsNullOrEmpty ? null : reason.ToString());
        }
    }
}
