using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Data;
using WeChatAi.Core.Knowledge.Vectors;
using WeChatAi.Core.Readiness;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Core.Knowledge;

/// <summary>
/// The account's passages in memory, ranked by BM25 and, when an embedding provider is configured, by their vectors
/// too (<see cref="SearchAsync"/>: the two lists fused by reciprocal rank, optionally reranked), without a database
/// call. Only vectors of the configured model (<see cref="KnowledgeEmbedder.ModelKey"/>) are loaded. Each replica holds a snapshot and
/// rebuilds it from PostgreSQL when the version in Redis (<see cref="KnowledgeKeys.Version"/>, bumped by every change
/// of a source or its chunks) differs from the one it loaded; <see cref="KnowledgeRefresher"/> checks that every second,
/// so a deleted source leaves every replica's results within about a second.
/// </summary>
public sealed partial class KnowledgeIndex(
    IServiceScopeFactory scopes, IConnectionMultiplexer redis, KnowledgeSegmenter segmenter, KnowledgeEmbedder embedder, KnowledgeReranker reranker,
    IOptions<WeChatOptions> wechat, IOptions<VectorOptions> vectors, ILogger<KnowledgeIndex> logger) : IDisposable
{
    /// <summary>How deep each list goes before fusion: enough that a passage ranked well by one list and middling by the other still meets.</summary>
    public const int FusionDepth = 50;

    private volatile Snapshot _snapshot = new(Bm25Index.Empty, VectorIndex.Empty, []);
    private readonly VersionedReload _reloads = new(redis, KnowledgeKeys.Version);

    /// <summary>The version loaded (the count of changes), or -1 before the first load.</summary>
    public long Version => _reloads.Loaded;

    /// <summary>The passages loaded: 0 means there is nothing to search (and no reason to load jieba for a question).</summary>
    public int Passages => _snapshot.Index.Count;

    /// <summary>The best <paramref name="top"/> passages for a question as a user asks it, by keywords alone (no provider call).</summary>
    public IReadOnlyList<RankedPassage> Search(string question, int top) => HybridRanking.Keyword(_snapshot.Index, segmenter.Question(question), top);

    /// <summary>
    /// The best <paramref name="top"/> passages for a question: keyword and vector lists fused by reciprocal rank when
    /// the passages have vectors and the question gets one (within <c>Knowledge:QueryEmbeddingTimeoutMs</c>), else by
    /// keywords alone; then reordered by the reranker when one is configured and answers. Each result says its ranks.
    /// </summary>
    public async Task<IReadOnlyList<RankedPassage>> SearchAsync(string question, int top, CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        var depth = Math.Max(top, FusionDepth);
        var keyword = HybridRanking.Keyword(snapshot.Index, segmenter.Question(question), depth);
        var questionVector = snapshot.Vectors.Count == 0 ? null : await embedder.EmbedQuestionAsync(question, cancellationToken).ConfigureAwait(false);
        var ranked = questionVector is null
            ? keyword
            : HybridRanking.Fuse(keyword, HybridRanking.Vector(snapshot.Vectors, snapshot.Passages, questionVector, depth));
        return await RerankAsync(question, ranked, top, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The reranker's order of the list's top <c>Knowledge:RerankCandidates</c>, or the list as it is when there is none or it fails.</summary>
    private async Task<IReadOnlyList<RankedPassage>> RerankAsync(string question, List<RankedPassage> ranked, int top, CancellationToken cancellationToken)
    {
        if (!reranker.IsConfigured || ranked.Count == 0)
        {
            return ranked.Take(top).ToList();
        }

        var candidates = ranked.Take(Math.Max(top, vectors.Value.RerankCandidates)).ToList();
        var order = await reranker.RerankAsync(question, [.. candidates.Select(r => r.Passage.Document)], cancellationToken).ConfigureAwait(false);
        if (order is null)
        {
            return ranked.Take(top).ToList();
        }

        return HybridRanking.Reranked(candidates, order, top);
    }

    /// <summary>Reloads if any replica or the worker changed the knowledge base since the last load.</summary>
    public Task RefreshAsync(CancellationToken cancellationToken) => _reloads.RefreshAsync(LoadAsync, cancellationToken);

    private async Task LoadAsync(long version, CancellationToken cancellationToken)
    {
        var appId = wechat.Value.AppId ?? "";
        var model = embedder.ModelKey;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
        var rows = await (
                from chunk in db.KnowledgeChunks.AsNoTracking()
                join source in db.KnowledgeSources on chunk.SourceId equals source.Id
                where source.AppId == appId
                orderby chunk.Id
                select new
                {
                    chunk.Id, chunk.SourceId, source.Title, chunk.Heading, chunk.Text, source.Url, chunk.Tokens,
                    Embedding = model != null && source.EmbeddingModel == model ? chunk.Embedding : null,
                })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        KnowledgePassage[] passages = [.. rows.Select(r => new KnowledgePassage(r.Id, r.SourceId, r.Title, r.Heading, r.Text, r.Url))];
        var index = Bm25Index.Build([.. rows.Select((r, i) => (passages[i], r.Tokens))]);
        var vectorIndex = VectorIndex.Build([.. rows.Select(r => r.Embedding)]);
        _snapshot = new Snapshot(index, vectorIndex, passages);
        LogLoaded(logger, index.Count, version, vectorIndex.Count);
        if (index.Count > 0)
        {
            segmenter.Preload(); // questions need jieba; an empty knowledge base never loads it
        }
    }

    /// <summary>After a change is committed: every replica reloads (this one at once, when it holds an index).</summary>
    public static async Task ChangedAsync(IConnectionMultiplexer redis, KnowledgeIndex? local, CancellationToken cancellationToken)
    {
        await VersionedReload.BumpAsync(redis, KnowledgeKeys.Version).ConfigureAwait(false);
        if (local is not null)
        {
            await local.RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _reloads.Dispose();

    private sealed record Snapshot(Bm25Index Index, VectorIndex Vectors, KnowledgePassage[] Passages);

    [LoggerMessage(1, LogLevel.Information, "Loaded {Count} knowledge passages (version {Version}), {Vectors} with vectors.")]
    private static partial void LogLoaded(ILogger logger, int count, long version, int vectors);
}
