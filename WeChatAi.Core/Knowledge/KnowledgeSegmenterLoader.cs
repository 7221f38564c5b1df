using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace WeChatAi.Core.Knowledge;

/// <summary>
/// Loads jieba's dictionaries in the background as the service starts, and says what it took. Not a start-up warm-up:
/// the 1–2 s would delay the webhook's readiness for a feature off its path; a search or a source in those seconds
/// waits for the one instance being built.
/// </summary>
internal sealed partial class KnowledgeSegmenterLoader(IServiceProvider services, ILogger<KnowledgeSegmenterLoader> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() =>
    {
        var started = Stopwatch.GetTimestamp();
        services.GetRequiredService<KnowledgeSegmenter>();
        LogLoaded(logger, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }, stoppingToken);

    [LoggerMessage(1, LogLevel.Information, "Loaded jieba's dictionaries for the knowledge base in {Milliseconds:F0} ms.")]
    private static partial void LogLoaded(ILogger logger, double milliseconds);
}
