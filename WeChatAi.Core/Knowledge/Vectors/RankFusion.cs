namespace WeChatAi.Core.Knowledge.Vectors;

/// <summary>
/// Reciprocal rank fusion: each list gives an item 1/(k + rank) (rank from 1) and the sums order the result. Ranks, not
/// scores, are fused because BM25 scores and cosines are on unrelated scales; k = 60 (Cormack, Clarke and Büttcher 2009,
/// the value Elasticsearch, OpenSearch and Azure AI Search use) keeps one list's top item from outweighing agreement.
/// </summary>
public static class RankFusion
{
    public const int K = 60;

    /// <summary>Every item of either list with its fused score, best first; a tie keeps the order of first appearance (keyword list first).</summary>
    public static IReadOnlyList<(T Item, double Score)> Fuse<T>(IReadOnlyList<T> keyword, IReadOnlyList<T> vector, int k = K) where T : notnull
    {
        ArgumentNullException.ThrowIfNull(keyword);
        ArgumentNullException.ThrowIfNull(vector);
        var scores = new Dictionary<T, double>();
        var order = new List<T>(keyword.Count + vector.Count);
        foreach (var list in (IReadOnlyList<T>[])[keyword, vector])
        {
            for (var rank = 1; rank <= list.Count; rank++)
            {
                var item = list[rank - 1];
                if (!scores.TryGetValue(item, out var score))
                {
                    order.Add(item);
                }

                scores[item] = score + (1.0 / (k + rank));
            }
        }

        return [.. order.Select(item => (item, scores[item])).OrderByDescending(s => s.Item2)];
    }
}
