using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WeChatAi.Core.Data;

namespace WeChatAi.MigrationService;

/// <summary>
/// Applies the EF Core migrations once, then stops the process (or, with <c>Migrations:KeepRunning</c>, idles). The
/// AppHost starts the API and the worker only after this completes, so replicas never race each other to migrate.
/// </summary>
internal sealed partial class MigrationRunner(
    IServiceProvider services,
    IHostApplicationLifetime lifetime,
    IOptions<MigrationOptions> options,
    ILogger<MigrationRunner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var activity = WeChatAiTelemetry.ActivitySource.StartActivity("Migrate database", ActivityKind.Client);
        try
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
            var pending = (await db.Database.GetPendingMigrationsAsync(stoppingToken)).ToList();
            await db.Database.CreateExecutionStrategy().ExecuteAsync(
                () => db.Database.MigrateAsync(stoppingToken));
            LogMigrated(logger, pending.Count, pending);
            if (options.Value.KeepRunning)
            {
                LogKeepingRunning(logger);
                return;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            activity?.AddException(ex);
            LogFailed(logger, ex);
            // A non-zero exit keeps dependents from starting on a database in an unknown state.
            Environment.ExitCode = 1;
        }

        lifetime.StopApplication();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied {Count} migration(s): {Migrations}")]
    private static partial void LogMigrated(ILogger logger, int count, IReadOnlyList<string> migrations);

    [LoggerMessage(Level = LogLevel.Information, Message = "Staying up until stopped (Migrations:KeepRunning), so that a platform restarting exited containers does not migrate again in a loop.")]
    private static partial void LogKeepingRunning(ILogger logger);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Database migration failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
