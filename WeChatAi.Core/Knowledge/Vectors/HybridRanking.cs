namespace WeChatAi.Core.Knowledge.Vectors;

/// <summary>
/// The two rankings and their fusion as pure functions over built indexes, so <see cref="KnowledgeIndex"/> and the
/// knowledge benchmark (bench/KnowledgeBench) rank the same way.
/// </summary>
public static class HybridRanking
{
    /// <summary>BM25's list, each result marked with its keyword rank and score.</summary>
    public static List<RankedPassage> Keyword(Bm25Index index, IEnumerable<string> questionWords, int depth)
    {
        ArgumentNullException.ThrowIfNull(index);
        return [.. index.Search(questionWords, depth).Select((r, i) => r with { KeywordRank = i + 1, KeywordScore = r.Score })];
    }

    /// <summary>The vector list (cosine order) of the passages whose positions <paramref name="vectors"/> indexes.</summary>
    public static List<RankedPassage> Vector(VectorIndex vectors, IReadOnlyList<KnowledgePassage> passages, ReadOnlySpan<float> question, int depth)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(passages);
        return [.. vectors.Search(question, depth).Select((v, i) => new RankedPassage(passages[v.Passage], v.Cosine) { VectorRank = i + 1, VectorScore = v.Cosine })];
    }

    /// <summary>Both lists fused by reciprocal rank (<see cref="RankFusion"/>), each result keeping the ranks it had.</summary>
    public static List<RankedPassage> Fuse(IReadOnlyList<RankedPassage> keyword, IReadOnlyList<RankedPassage> vector)
    {
        ArgumentNullException.ThrowIfNull(keyword);
        ArgumentNullException.ThrowIfNull(vector);
        var byKeyword = keyword.ToDictionary(r => r.Passage.ChunkId);
        var byVector = vector.ToDictionary(r => r.Passage.ChunkId);
        return [.. RankFusion.Fuse([.. byKeyword.Keys], [.. byVector.Keys]).Select((f, i) =>
        {
            var k = byKeyword.GetValueOrDefault(f.Item);
            var v = byVector.GetValueOrDefault(f.Item);
            return new RankedPassage((k ?? v)!.Passage, f.Score, k?.Match ?? 0)
            {
                KeywordRank = k?.KeywordRank,
                KeywordScore = k?.KeywordScore,
                VectorRank = v?.VectorRank,
                VectorScore = v?.VectorScore,
                FusedRank = i + 1,
                FusedScore = f.Score,
            };
        })];
    }

    /// <summary>The reranker's order (<paramref name="order"/>: indexes into <paramref name="candidates"/>, best first), each result scored by its relevance.</summary>
    public static List<RankedPassage> Reranked(IReadOnlyList<RankedPassage> candidates, IEnumerable<(int Index, double Score)> order, int top)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        return [.. order.Take(top).Select(o => candidates[o.Index] with { Score = o.Score, RerankScore = o.Score })];
    }
}
