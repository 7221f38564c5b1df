using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WeChatAi.Core.Readiness;

namespace WeChatAi.Core.Data;

/// <summary>
/// Checks at startup that PostgreSQL answers, which also builds the EF Core model and opens the pool's first
/// connection before the first record needs them. It does not hold the start: neither service needs the database to
/// answer WeChat (the API only records (un)subscriptions, the worker buffers its records), so an unreachable database
/// is a warning after at most <see cref="Bound"/> and <c>/health</c> stays 503 until it answers.
/// </summary>
internal sealed partial class DatabaseWarmUp(IServiceScopeFactory scopes, ILogger<DatabaseWarmUp> logger) : IStartupWarmUp
{
    internal static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var elapsed = Stopwatch.StartNew();
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(Bound);
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            try
            {
                var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
                if (await db.Database.CanConnectAsync(bounded.Token).ConfigureAwait(false))
                {
                    LogReachable(logger, elapsed.ElapsedMilliseconds);
                    return;
                }

                LogUnreachable(logger, Bound.TotalSeconds, "it refused the connection");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                LogUnreachable(logger, Bound.TotalSeconds, "no answer in time");
            }
#pragma warning disable CA1031 // Whatever the failure, the service starts and /health reports the database.
            catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
            {
                LogUnreachable(logger, Bound.TotalSeconds, ex.Message);
            }
        }
    }

    [LoggerMessage(1, LogLevel.Information, "PostgreSQL answered in {Milliseconds} ms.")]
    private static partial void LogReachable(ILogger logger, long milliseconds);

    [LoggerMessage(2, LogLevel.Warning, "PostgreSQL is not reachable at startup (checked for up to {Seconds} s: {Reason}); starting anyway, /health reports it until it answers.")]
    private static partial void LogUnreachable(ILogger logger, double seconds, string reason);
}
