namespace WeChatAi.Core.Data.Knowledge;

/// <summary>What a knowledge source was made from; later kinds (html, pdf, docx, url, article) add members here.</summary>
public enum KnowledgeSourceKind
{
    Text,
    Markdown,
    Faq,
}

/// <summary>Where a source is in its indexing: the API stores it queued, the worker's ingestion does the rest.</summary>
public enum KnowledgeSourceState
{
    Queued,
    Processing,
    Ready,
    Failed,
}

/// <summary>
/// One document of the account's knowledge base (<c>knowledge_sources</c>). Its raw content is kept, so it can be
/// re-indexed; its chunks (<see cref="KnowledgeChunk"/>) are what retrieval ranks.
/// </summary>
public sealed class KnowledgeSource
{
    public const int MaxTitle = 200;
    public const int MaxUrl = 2048;
    public const int MaxError = 1000;
    public const int MaxEmbeddingModel = 200;

    public long Id { get; set; }

    public required string AppId { get; set; }

    public KnowledgeSourceKind Kind { get; set; }

    /// <summary>The document's title; an FAQ's question.</summary>
    public required string Title { get; set; }

    public string? Url { get; set; }

    /// <summary>The raw text (Markdown as written); an FAQ's answer.</summary>
    public required string Content { get; set; }

    /// <summary>SHA-256 (hex) of the kind, title and content: an unchanged source is not re-chunked.</summary>
    public required string ContentHash { get; set; }

    /// <summary>The <see cref="ContentHash"/> the stored chunks were made from, or null before the first indexing.</summary>
    public string? IndexedHash { get; set; }

    public KnowledgeSourceState State { get; set; }

    /// <summary>Why indexing failed, in words an operator can act on.</summary>
    public string? Error { get; set; }

    public int ChunkCount { get; set; }

    /// <summary>
    /// The embedding model (and dimensions) all its chunks' vectors came from, e.g. <c>text-embedding-v4/1024</c>; null
    /// while they have none. Only vectors of the configured model are searched, so a model change never mixes them.
    /// </summary>
    public string? EmbeddingModel { get; set; }

    /// <summary>When the worker claimed it; a source left processing longer than the lease (a crash) is claimed again.</summary>
    public DateTimeOffset? ProcessingSince { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
