using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Compliance;
using WeChatAi.Core.Data;
using WeChatAi.Worker.Common;

namespace WeChatAi.Worker.Recording;

/// <summary>
/// Deletes exchanges older than <see cref="ComplianceOptions.RetentionDays"/> (at least the law's six months), every
/// <see cref="RecordingOptions.RetentionSweepSeconds"/>, in batches so no statement holds locks for long; one worker
/// at a time.
/// </summary>
internal sealed partial class RecordRetention(
    IServiceScopeFactory scopes,
    IConnectionMultiplexer redis,
    IOptions<ComplianceOptions> compliance,
    IOptions<RecordingOptions> options,
    TimeProvider time,
    ILogger<RecordRetention> logger) : BackgroundService
{
    private const int BatchSize = 5_000;
    private const string LockKey = "wechatai:recording:retention:lock";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.RetentionSweepSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Held for the interval: the other workers skip this round.
                if (await redis.GetDatabase().StringSetAsync(LockKey, Environment.MachineName, interval, When.NotExists))
                {
                    await PurgeAsync(stoppingToken);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && (RedisFailures.IsTransient(ex) || ExchangeWriter.IsOutage(ex)))
            {
                LogPurgeFailed(logger, ex);
            }

            try
            {
                await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task PurgeAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(compliance.Value.RetentionDays);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
        long total = 0;
        int deleted;
        do
        {
            deleted = await db.Database.ExecuteSqlInterpolatedAsync(
                $"""
                DELETE FROM chat_exchanges WHERE "Id" IN
                    (SELECT "Id" FROM chat_exchanges WHERE "ReceivedAt" < {cutoff} ORDER BY "ReceivedAt" LIMIT {BatchSize})
                """,
                cancellationToken);
            total += deleted;
        }
        while (deleted == BatchSize);

        if (total > 0)
        {
            LogPurged(logger, total, compliance.Value.RetentionDays);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} exchanges older than Compliance:RetentionDays ({Days} days)")]
    private static partial void LogPurged(ILogger logger, long count, int days);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting old exchanges failed; the next sweep tries again")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception);
}
