using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace WeChatAi.Core.Readiness;

/// <summary>
/// Loads something from the stores before the service accepts traffic, for at most <see cref="WarmUpBound"/> (PostgreSQL
/// away must not hold the start: the first refresh that works loads it), then refreshes it every <see cref="Interval"/>.
/// While a store is away the last values stay in use; the failure is logged once per outage, not every second.
/// </summary>
public abstract partial class PeriodicRefresher(ILogger logger, string what) : BackgroundService, IStartupWarmUp
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan WarmUpBound = TimeSpan.FromSeconds(3);

    private bool _failing;

    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(WarmUpBound);
        await TryRefreshAsync(bounded.Token, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reloads if the stored version changed since the last load.</summary>
    protected abstract Task RefreshAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            await TryRefreshAsync(stoppingToken, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task TryRefreshAsync(CancellationToken attempt, CancellationToken stopping)
    {
        try
        {
            await RefreshAsync(attempt).ConfigureAwait(false);
            if (_failing)
            {
                LogRecovered(logger, what);
                _failing = false;
            }
        }
#pragma warning disable CA1031 // Whatever fails (Redis, PostgreSQL, a missing table), the last values stay in use.
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
#pragma warning restore CA1031
        {
            if (!_failing)
            {
                LogRefreshFailed(logger, ex, what);
                _failing = true;
            }
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Could not refresh {What}; the last ones (at startup: the configured ones) stay in use until it works again.")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception, string what);

    [LoggerMessage(2, LogLevel.Information, "Refreshing {What} works again.")]
    private static partial void LogRecovered(ILogger logger, string what);
}
