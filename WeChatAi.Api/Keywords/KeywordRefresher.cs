using WeChatAi.Core.Readiness;

namespace WeChatAi.Api.Keywords;

/// <summary>
/// Loads the rules before the API listens, then checks their version every second, so a change made through any
/// replica is live everywhere within about a second. While PostgreSQL or Redis is away the last rules stay in use.
/// </summary>
internal sealed class KeywordRefresher(KeywordReplies keywords, ILogger<KeywordRefresher> logger) : PeriodicRefresher(logger, "the keyword rules")
{
    protected override Task RefreshAsync(CancellationToken cancellationToken) => keywords.RefreshAsync(cancellationToken);
}
