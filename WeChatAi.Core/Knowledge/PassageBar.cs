namespace WeChatAi.Core.Knowledge;

/// <summary>
/// Which ranked passages are relevant enough to answer from. A passage passes on its keyword
/// <see cref="RankedPassage.Match"/> (exact names and numbers, which models blur) or on the best model signal it has:
/// the reranker's relevance when a reranker ranked it (it reads the question and the passage together, so it judges
/// better than a cosine, and on the evaluation set adding the cosine bar to it let through half again as many
/// uncovered questions for no covered one: docs/knowledge.md), else its cosine with the question when an embedding
/// provider found it. Shared by the worker's answers and bench/KnowledgeBench.
/// </summary>
/// <param name="MinMatch"><c>Knowledge:MinScore</c>.</param>
/// <param name="MinVectorScore"><c>Knowledge:MinVectorScore</c>: a cosine, on the configured model's own scale.</param>
/// <param name="MinRerankScore"><c>Knowledge:MinRerankScore</c>: the reranker's relevance, on its own scale.</param>
public sealed record PassageBar(double MinMatch, double MinVectorScore, double MinRerankScore)
{
    /// <summary>
    /// How many passages per one sent are looked at (<c>Knowledge:TopPassages</c> × this): the best-ranked ones may
    /// all miss the bar while a lower one passes.
    /// </summary>
    public const int PoolFactor = 4;

    /// <summary><c>Knowledge:MinVectorScore</c>'s default, picked with bench/knowledge.sh on the evaluation set and the simulator's model (docs/knowledge.md, "The bar").</summary>
    public const double DefaultMinVectorScore = 0.25;

    /// <summary><c>Knowledge:MinRerankScore</c>'s default, picked the same way with the simulator's reranker.</summary>
    public const double DefaultMinRerankScore = 0.25;

    /// <summary>False: a reranked passage may pass on its cosine too (the benchmark's comparison; answers keep it true).</summary>
    public bool RerankSupersedesVectors { get; init; } = true;

    /// <summary>The bar of keywords alone (what answers used before vectors had one): for comparison in the benchmark.</summary>
    public static PassageBar KeywordOnly(double minMatch) => new(minMatch, double.PositiveInfinity, double.PositiveInfinity);

    public bool Passes(RankedPassage passage)
    {
        ArgumentNullException.ThrowIfNull(passage);
        if (passage.Match >= MinMatch || passage.RerankScore >= MinRerankScore)
        {
            return true;
        }

        return (passage.RerankScore is null || !RerankSupersedesVectors) && passage.VectorScore >= MinVectorScore;
    }

    /// <summary>The best <paramref name="top"/> of <paramref name="ranked"/> past the bar, in their order.</summary>
    public List<RankedPassage> Select(IEnumerable<RankedPassage> ranked, int top) => [.. ranked.Where(Passes).Take(top)];
}
