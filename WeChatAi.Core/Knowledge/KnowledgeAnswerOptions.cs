using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Core.Knowledge;

/// <summary>Whether and how the AI answers from the knowledge base.</summary>
public enum KnowledgeMode
{
    /// <summary>The knowledge base is not consulted.</summary>
    Off,

    /// <summary>Passages that pass the bar go to the LLM with the question; without any, the LLM answers alone.</summary>
    Assist,

    /// <summary>Only from the knowledge base: without a passage past the bar, no LLM call and <see cref="KnowledgeAnswerOptions.StrictFallbackText"/>.</summary>
    Strict,
}

/// <summary>Answering from the knowledge base (section <c>Knowledge</c>, beside the chunking settings Core binds).</summary>
public sealed class KnowledgeAnswerOptions
{
    public const string Section = "Knowledge";

    /// <summary><c>off</c>, <c>assist</c> or <c>strict</c>.</summary>
    [EnumDataType(typeof(KnowledgeMode), ErrorMessage = "Knowledge:Mode must be off, assist or strict.")]
    public KnowledgeMode Mode { get; set; } = KnowledgeMode.Assist;

    /// <summary>
    /// The bar a passage must pass to reach the LLM: its match, the IDF-weighted share of the question's words it
    /// contains (0–1, comparable across questions, unlike BM25; docs/knowledge.md).
    /// </summary>
    [Range(0.0, 1.0, ErrorMessage = "Knowledge:MinScore must be between 0 and 1 (the share of the question's words, weighted by rarity, a passage must contain).")]
    public double MinScore { get; set; } = 0.3;

    /// <summary>
    /// With an embedding provider, a passage whose cosine with the question reaches this passes too, whatever its
    /// keyword match. Cosine scales differ by model: the default suits the simulator's; bench/knowledge.sh picks one
    /// for a real model (docs/knowledge.md).
    /// </summary>
    [Range(0.0, 1.0, ErrorMessage = "Knowledge:MinVectorScore must be between 0 and 1 (the cosine similarity a passage found by vectors needs).")]
    public double MinVectorScore { get; set; } = PassageBar.DefaultMinVectorScore;

    /// <summary>With a reranker, a passage whose relevance reaches this passes too (its scale is the reranker's: 0–1 for Jina, SiliconFlow and DashScope).</summary>
    [Range(0.0, 1.0, ErrorMessage = "Knowledge:MinRerankScore must be between 0 and 1 (the reranker's relevance a passage needs).")]
    public double MinRerankScore { get; set; } = PassageBar.DefaultMinRerankScore;

    /// <summary>The most passages sent with a question (the best by BM25 among those past the bar).</summary>
    [Range(1, 10, ErrorMessage = "Knowledge:TopPassages must be between 1 and 10.")]
    public int TopPassages { get; set; } = 3;

    /// <summary>The reply in <c>strict</c> mode when the knowledge base has nothing for the question (or the LLM found the passages do not cover it).</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Knowledge:StrictFallbackText must not be empty.")]
    [MaxLength(500, ErrorMessage = "Knowledge:StrictFallbackText must be at most 500 characters.")]
    public string StrictFallbackText { get; set; } = "抱歉，这个问题我在资料里没有找到答案。您可以换个说法再问，或者留言，我们会尽快补充。";

    /// <summary>How many passages to rank for a question: a wider pool than is sent, since the best-ranked may all miss the bar.</summary>
    public int Pool => TopPassages * PassageBar.PoolFactor;

    /// <summary>The passages sent to the LLM: those of the ranked <paramref name="pool"/> past the bar, best first, at most <see cref="TopPassages"/>.</summary>
    public List<RankedPassage> Sent(IEnumerable<RankedPassage> pool) => new PassageBar(MinScore, MinVectorScore, MinRerankScore).Select(pool, TopPassages);
}
