using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Data;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Core.Knowledge;

/// <summary>
/// The account's passages in memory, ranked by BM25 without a database call. Each replica holds a snapshot and
/// rebuilds it from PostgreSQL when the version in Redis (<see cref="KnowledgeKeys.Version"/>, bumped by every change
/// of a source or its chunks) differs from the one it loaded; <see cref="KnowledgeRefresher"/> checks that every second,
/// so a deleted source leaves every replica's results within about a second.
/// </summary>
public sealed partial class KnowledgeIndex(
    IServiceScopeFactory scopes, IConnectionMultiplexer redis, KnowledgeSegmenter segmenter, IOptions<WeChatOptions> wechat, ILogger<KnowledgeIndex> logger) : IDisposable
{
    private volatile Snapshot _snapshot = new(Bm25Index.Empty, -1);
    private readonly SemaphoreSlim _reload = new(1, 1);

    /// <summary>The version loaded (the count of changes), or -1 before the first load.</summary>
    public long Version => _snapshot.Version;

    /// <summary>The passages loaded: 0 means there is nothing to search (and no reason to load jieba for a question).</summary>
    public int Passages => _snapshot.Index.Count;

    /// <summary>The best <paramref name="top"/> passages for a question as a user asks it.</summary>
    public IReadOnlyList<RankedPassage> Search(string question, int top) => _snapshot.Index.Search(segmenter.Question(question), top);

    /// <summary>Reloads if any replica or the worker changed the knowledge base since the last load.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var stored = (long?)await redis.GetDatabase().StringGetAsync(KnowledgeKeys.Version).ConfigureAwait(false) ?? 0;
        if (stored == _snapshot.Version)
        {
            return;
        }

        await _reload.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (stored == _snapshot.Version)
            {
                return;
            }

            // The version is read before the rows: a change committed meanwhile bumps it again and the next check reloads.
            var appId = wechat.Value.AppId ?? "";
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
            var rows = await (
                    from chunk in db.KnowledgeChunks.AsNoTracking()
                    join source in db.KnowledgeSources on chunk.SourceId equals source.Id
                    where source.AppId == appId
                    orderby chunk.Id
                    select new { chunk.Id, chunk.SourceId, source.Title, chunk.Heading, chunk.Text, source.Url, chunk.Tokens })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var index = Bm25Index.Build([.. rows.Select(r => (new KnowledgePassage(r.Id, r.SourceId, r.Title, r.Heading, r.Text, r.Url), r.Tokens))]);
            _snapshot = new Snapshot(index, stored);
            LogLoaded(logger, index.Count, stored);
            if (index.Count > 0)
            {
                segmenter.Preload(); // questions need jieba; an empty knowledge base never loads it
            }
        }
        finally
        {
            _reload.Release();
        }
    }

    /// <summary>After a change is committed: every replica reloads (this one at once, when it holds an index).</summary>
    public static async Task ChangedAsync(IConnectionMultiplexer redis, KnowledgeIndex? local, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(redis);
        await redis.GetDatabase().StringIncrementAsync(KnowledgeKeys.Version).ConfigureAwait(false);
        if (local is not null)
        {
            await local.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _reload.Dispose();

    private sealed record Snapshot(Bm25Index Index, long Version);

    [LoggerMessage(1, LogLevel.Information, "Loaded {Count} knowledge passages (version {Version}).")]
    private static partial void LogLoaded(ILogger logger, int count, long version);
}
