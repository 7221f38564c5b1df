namespace WeChatAi.Simulator.Embeddings;

/// <summary>
/// A deterministic reranker for <c>/v1/rerank</c>: the weighted share of the query's n-grams (<see cref="FakeEmbedding.Features"/>)
/// a document holds, in 0–1. Enough to show the wire format and a reordering; no model of meaning.
/// </summary>
public static class FakeRerank
{
    public static double Score(string query, string document)
    {
        var wanted = FakeEmbedding.Features(query).DistinctBy(f => f.Feature).ToList();
        if (wanted.Count == 0)
        {
            return 0;
        }

        var present = FakeEmbedding.Features(document).Select(f => f.Feature).ToHashSet(StringComparer.Ordinal);
        return Math.Round(wanted.Where(f => present.Contains(f.Feature)).Sum(f => f.Weight) / wanted.Sum(f => f.Weight), 6);
    }
}
