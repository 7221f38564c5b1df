namespace WeChatAi.Core.Data.Knowledge;

/// <summary>
/// A passage of a <see cref="KnowledgeSource"/> (<c>knowledge_chunks</c>), with the segmented tokens keyword ranking
/// counts, so a replica builds its index without segmenting again.
/// </summary>
public sealed class KnowledgeChunk
{
    public const int MaxHeading = 500;

    public long Id { get; set; }

    public long SourceId { get; set; }

    /// <summary>Its place in the source, from 0; unique per source, so a re-index cannot leave duplicates beside it.</summary>
    public int Ordinal { get; set; }

    /// <summary>The section heading it sits under (Markdown headings, outermost first), if any.</summary>
    public string? Heading { get; set; }

    public required string Text { get; set; }

    /// <summary>jieba's words of the title, heading and text, lower-cased, stop words and punctuation dropped.</summary>
    public required string[] Tokens { get; set; }

    /// <summary>
    /// Its vector (<c>real[]</c>, L2-normalised) from the model its source's <see cref="KnowledgeSource.EmbeddingModel"/>
    /// names; null when it has none yet (no provider configured, or the provider was down).
    /// </summary>
    public float[]? Embedding { get; set; }
}
