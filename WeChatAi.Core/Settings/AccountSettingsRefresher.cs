using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WeChatAi.Core.Readiness;

namespace WeChatAi.Core.Settings;

/// <summary>
/// Loads the overrides before the service accepts traffic (at most <see cref="WarmUpBound"/>: PostgreSQL away keeps
/// the configured values and the start goes on), then checks their version every <see cref="Interval"/>. Polling
/// rather than a Redis subscription: a message published while a replica was disconnected would be lost, a version
/// read after the reconnection is not; it is one GET a second.
/// </summary>
internal sealed partial class AccountSettingsRefresher(AccountSettingsStore store, ILogger<AccountSettingsRefresher> logger) : BackgroundService, IStartupWarmUp
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan WarmUpBound = TimeSpan.FromSeconds(3);

    private bool _failing;

    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(WarmUpBound);
        await RefreshAsync(bounded.Token, cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            await RefreshAsync(stoppingToken, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task RefreshAsync(CancellationToken attempt, CancellationToken stopping)
    {
        try
        {
            await store.RefreshAsync(attempt).ConfigureAwait(false);
            if (_failing)
            {
                LogRecovered(logger);
                _failing = false;
            }
        }
#pragma warning disable CA1031 // Whatever fails (Redis, PostgreSQL, a missing table), the last values stay in use.
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
#pragma warning restore CA1031
        {
            // Logged once per outage, not every second.
            if (!_failing)
            {
                LogRefreshFailed(logger, ex);
                _failing = true;
            }
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Could not load the account settings; the last values (at startup: the configured ones) stay in use until it works.")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(2, LogLevel.Information, "The account settings load again.")]
    private static partial void LogRecovered(ILogger logger);
}
