namespace WeChatAi.Core.Data.Knowledge;

/// <summary>What a knowledge source was made from.</summary>
public enum KnowledgeSourceKind
{
    Text,
    Markdown,
    Faq,

    /// <summary>An uploaded HTML file (<see cref="KnowledgeSource.File"/>).</summary>
    Html,

    /// <summary>An uploaded PDF (<see cref="KnowledgeSource.File"/>).</summary>
    Pdf,

    /// <summary>An uploaded Word document (<see cref="KnowledgeSource.File"/>).</summary>
    Docx,

    /// <summary>A web page the worker fetches from <see cref="KnowledgeSource.Url"/>.</summary>
    Url,

    /// <summary>One of the account's published articles (its HTML in <see cref="KnowledgeSource.Content"/>), kept by the article sync.</summary>
    Article,
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
    public const int MaxFileName = 255;
    public const int MaxExternalId = 128;

    public long Id { get; set; }

    public required string AppId { get; set; }

    public KnowledgeSourceKind Kind { get; set; }

    /// <summary>The document's title; an FAQ's question.</summary>
    public required string Title { get; set; }

    /// <summary>A page's or an article's address (citations link it).</summary>
    public string? Url { get; set; }

    /// <summary>The raw text (Markdown as written); an FAQ's answer; an article's HTML; empty for files and pages.</summary>
    public required string Content { get; set; }

    /// <summary>An uploaded HTML, PDF or DOCX file as it was sent: the worker extracts it, and can again (re-indexing).</summary>
    public byte[]? File { get; set; }

    /// <summary>The uploaded file's name, as the operator's client gave it.</summary>
    public string? FileName { get; set; }

    /// <summary>No title was given: the worker takes the document's own (a page's, a PDF's or a DOCX's) when it has one.</summary>
    public bool TitleFromDocument { get; set; }

    /// <summary>SHA-256 of the title and text the stored chunks were made from: a refetched page whose text is unchanged is not re-chunked.</summary>
    public string? TextHash { get; set; }

    /// <summary>A synced article's key, <c>{article_id}:{index}</c>: a re-sync updates the same source.</summary>
    public string? ExternalId { get; set; }

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

    /// <summary>When the worker claimed it (renewed while it works); a source left processing longer than the lease (a crash) is claimed again.</summary>
    public DateTimeOffset? ProcessingSince { get; set; }

    /// <summary>Until when a worker's embedding loop holds it (renewed while it embeds): no other worker embeds it meanwhile.</summary>
    public DateTimeOffset? EmbeddingClaimedUntil { get; set; }

    /// <summary>How many times in a row the provider refused its chunks (reset when they are embedded or re-chunked).</summary>
    public int EmbeddingFailures { get; set; }

    /// <summary>Not embedded again before this (a backoff after the provider refused it), so it is not retried every round.</summary>
    public DateTimeOffset? EmbeddingRetryAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
