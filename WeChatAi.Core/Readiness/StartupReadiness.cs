using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace WeChatAi.Core.Readiness;

/// <summary>
/// Holds the service's start until it can serve: Redis connected and answering, then every <see cref="IStartupWarmUp"/>.
/// It runs in <see cref="IHostedLifecycleService.StartingAsync"/>, which the host awaits for every service before it
/// calls any <see cref="IHostedService.StartAsync"/> (Kestrel listens in its StartAsync, the worker's consumer starts
/// in its own), so no request or job meets a half-started process. Redis away: it waits as long as it takes,
/// retrying, with a warning every <see cref="ReportEvery"/>; the port stays closed, the process does not exit.
/// Stopped before it was ready, the service exits cleanly without ever listening (<see cref="GatedServer"/>).
/// </summary>
internal sealed partial class StartupReadiness(IServiceProvider services, ILogger<StartupReadiness> logger) : IHostedLifecycleService
{
    /// <summary>How long one PING may wait for the client's reconnection before we log that we are still waiting.</summary>
    internal static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(5);

    /// <summary>Redis answered and every warm-up ran; false when the service was stopped before.</summary>
    public bool IsReady { get; private set; }

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var elapsed = Stopwatch.StartNew();
        try
        {
            var redis = await ConnectAsync(elapsed, cancellationToken).ConfigureAwait(false);
            var endpoints = string.Join(", ", redis.GetEndPoints().Select(e => e.ToString()));
            while (true)
            {
                await WaitForRedisAsync(redis, endpoints, elapsed, cancellationToken).ConfigureAwait(false);
                try
                {
                    foreach (var warmUp in services.GetServices<IStartupWarmUp>())
                    {
                        await warmUp.WarmUpAsync(cancellationToken).ConfigureAwait(false);
                    }

                    break;
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    // Redis went away between the PING and the warm-up: wait for it again, then warm up again.
                    LogWaitingForRedis(logger, endpoints, elapsed.Elapsed.TotalSeconds, ex.Message.TrimEnd('.'));
                }
            }

            IsReady = true;
            LogReady(logger, elapsed.ElapsedMilliseconds);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped (SIGTERM) before it was ready: a normal stop, the host goes on to stop cleanly.
            LogStoppedBeforeReady(logger);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<IConnectionMultiplexer> ConnectAsync(Stopwatch elapsed, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                // Aspire's factory connects synchronously (for up to connectTimeout when Redis is away): off the
                // startup thread, so a SIGTERM meanwhile still stops the process at once.
                return await Task.Run(services.GetRequiredService<IConnectionMultiplexer>, cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RedisConnectionException ex)
            {
                // Only with abortConnect=true in the connection string; the factory is tried again, it caches no failure.
                LogWaitingForRedis(logger, "the configured endpoints", elapsed.Elapsed.TotalSeconds, ex.Message.TrimEnd('.'));
                await Task.Delay(ReportEvery, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task WaitForRedisAsync(IConnectionMultiplexer redis, string endpoints, Stopwatch elapsed, CancellationToken cancellationToken)
    {
        if (!redis.IsConnected)
        {
            LogWaitingForRedis(logger, endpoints, elapsed.Elapsed.TotalSeconds, "not connected");
        }

        while (true)
        {
            var attempt = Stopwatch.StartNew();
            try
            {
                // While disconnected, the client queues the PING and sends it once its own reconnection succeeds.
                await redis.GetDatabase().PingAsync().WaitAsync(ReportEvery, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogWaitingForRedis(logger, endpoints, elapsed.Elapsed.TotalSeconds, ex.Message.TrimEnd('.'));
                var rest = ReportEvery - attempt.Elapsed;
                if (rest > TimeSpan.Zero)
                {
                    await Task.Delay(rest, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Waiting for Redis at {Endpoints} ({Seconds:F0} s so far): {Reason}. Not accepting traffic until it answers.")]
    private static partial void LogWaitingForRedis(ILogger logger, string endpoints, double seconds, string reason);

    [LoggerMessage(2, LogLevel.Information, "Ready in {Milliseconds} ms: Redis connected, warm-up done; accepting traffic.")]
    private static partial void LogReady(ILogger logger, long milliseconds);

    [LoggerMessage(3, LogLevel.Information, "Stopped before Redis was ready.")]
    private static partial void LogStoppedBeforeReady(ILogger logger);
}
