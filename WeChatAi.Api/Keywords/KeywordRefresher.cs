using WeChatAi.Core.Readiness;

namespace WeChatAi.Api.Keywords;

/// <summary>
/// Loads the rules before the API listens, then checks their version every second, so a change made through any
/// replica is live everywhere within about a second. While PostgreSQL or Redis is away the last rules stay in use.
/// </summary>
internal sealed partial class KeywordRefresher(KeywordReplies keywords, ILogger<KeywordRefresher> logger) : BackgroundService, IStartupWarmUp
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private bool _failing;

    /// <summary>PostgreSQL away at startup must not hold the webhook: the rules then come with the first refresh that works.</summary>
    public static readonly TimeSpan WarmUpBound = TimeSpan.FromSeconds(3);

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
            await keywords.RefreshAsync(attempt).ConfigureAwait(false);
            _failing = false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            // Logged once per outage, not every second.
            if (!_failing)
            {
                LogRefreshFailed(logger, ex);
                _failing = true;
            }
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Could not refresh the keyword rules; the last ones stay in use until it works again.")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
