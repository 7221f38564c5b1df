using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WeChatAi.Core.Readiness;

namespace WeChatAi.Core.Knowledge;

/// <summary>Loads jieba's dictionaries before the service takes traffic, not on the first search or source, and says what it took.</summary>
internal sealed partial class KnowledgeSegmenterWarmUp(IServiceProvider services, ILogger<KnowledgeSegmenterWarmUp> logger) : IStartupWarmUp
{
    public Task WarmUpAsync(CancellationToken cancellationToken) => Task.Run(() =>
    {
        var started = Stopwatch.GetTimestamp();
        services.GetRequiredService<KnowledgeSegmenter>();
        LogLoaded(logger, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }, cancellationToken);

    [LoggerMessage(1, LogLevel.Information, "Loaded jieba's dictionaries for the knowledge base in {Milliseconds:F0} ms.")]
    private static partial void LogLoaded(ILogger logger, double milliseconds);
}
