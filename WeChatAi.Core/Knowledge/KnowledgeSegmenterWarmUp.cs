using WeChatAi.Core.Readiness;

namespace WeChatAi.Core.Knowledge;

/// <summary>Loads jieba's dictionaries before the service takes traffic, not on the first search or source.</summary>
internal sealed class KnowledgeSegmenterWarmUp(IServiceProvider services) : IStartupWarmUp
{
    public Task WarmUpAsync(CancellationToken cancellationToken) =>
        Task.Run(() => services.GetService(typeof(KnowledgeSegmenter)), cancellationToken);
}
