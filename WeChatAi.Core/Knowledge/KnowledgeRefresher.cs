using Microsoft.Extensions.Logging;
using WeChatAi.Core.Readiness;

namespace WeChatAi.Core.Knowledge;

/// <summary>Loads the passages before the service listens, then checks their version every second.</summary>
internal sealed class KnowledgeRefresher(KnowledgeIndex index, ILogger<KnowledgeRefresher> logger) : PeriodicRefresher(logger, "the knowledge base")
{
    protected override Task RefreshAsync(CancellationToken cancellationToken) => index.RefreshAsync(cancellationToken);
}
