using Microsoft.EntityFrameworkCore;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;

namespace WeChatAi.Worker.Billing;

/// <summary>
/// Every minute: expires grants past their validity (ledger rows, then the Redis balances) and rolls up today's and
/// yesterday's <c>daily_statistics</c> (China's days). Both are idempotent, so every worker may run them.
/// </summary>
internal sealed partial class BillingMaintenance(
    IServiceScopeFactory scopes, CreditLedger ledger, CreditCache cache, TimeProvider time, ILogger<BillingMaintenance> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    /// <summary>Uses made just before a grant expired reach the ledger (through the usage stream) well within this.</summary>
    internal static readonly TimeSpan ExpiryGrace = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    internal async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope)
        {
            var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
            var strategy = db.Database.CreateExecutionStrategy();
            var expired = await strategy.ExecuteAsync(async () =>
            {
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                var rows = await ledger.ExpireAsync(db, ExpiryGrace, cancellationToken: cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return rows;
            });
            foreach (var row in expired)
            {
                await cache.ApplyAsync(row);
            }

            var now = time.GetUtcNow();
            var today = BillingDay.Of(now);
            await DailyFigures.RollUpAsync(db, today.AddDays(-1), now, cancellationToken);
            await DailyFigures.RollUpAsync(db, today, now, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Billing maintenance (credit expiry, daily statistics) failed; it runs again in a minute")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
