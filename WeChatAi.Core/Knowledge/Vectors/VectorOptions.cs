using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Core.Knowledge.Vectors;

/// <summary>
/// The knowledge base's optional embedding and rerank providers (section <c>Knowledge</c>, beside the chunking settings):
/// any OpenAI-compatible <c>/embeddings</c>, and an OpenAI/Jina-style <c>/rerank</c>. Without an endpoint, retrieval is
/// keyword ranking alone.
/// </summary>
public sealed class VectorOptions : IValidatableObject
{
    /// <summary>The chunking settings' section (<see cref="KnowledgeOptions.Section"/>): one <c>Knowledge</c> section for the operator.</summary>
    public const string Section = KnowledgeOptions.Section;

    /// <summary>The OpenAI-compatible base URL the <c>/embeddings</c> path is added to, e.g. <c>https://dashscope.aliyuncs.com/compatible-mode/v1</c>.</summary>
    [Url(ErrorMessage = "Knowledge:EmbeddingEndpoint must be an absolute http(s) URL.")]
    public string? EmbeddingEndpoint { get; set; }

    public string? EmbeddingModel { get; set; }

    public string? EmbeddingApiKey { get; set; }

    /// <summary>Asked of models that can shorten their vectors (<c>dimensions</c>); the model's own size when unset.</summary>
    [Range(16, 8192, ErrorMessage = "Knowledge:EmbeddingDimensions must be between 16 and 8192.")]
    public int? EmbeddingDimensions { get; set; }

    /// <summary>Chunks per <c>/embeddings</c> request (providers cap it: DashScope at 10, OpenAI at 2048).</summary>
    [Range(1, 2048, ErrorMessage = "Knowledge:EmbeddingBatchSize must be between 1 and 2048.")]
    public int EmbeddingBatchSize { get; set; } = 10;

    /// <summary>Requests per second this process sends the provider (a token bucket; over it, requests wait their turn).</summary>
    [Range(0.1, 1000, ErrorMessage = "Knowledge:EmbeddingRequestsPerSecond must be between 0.1 and 1000.")]
    public double EmbeddingRequestsPerSecond { get; set; } = 5;

    /// <summary>HTTP retries of one request on 429/5xx and timeouts (Retry-After honoured).</summary>
    [Range(0, 10, ErrorMessage = "Knowledge:EmbeddingMaxRetries must be between 0 and 10.")]
    public int EmbeddingMaxRetries { get; set; } = 3;

    [Range(1, 600, ErrorMessage = "Knowledge:EmbeddingTimeoutSeconds must be between 1 and 600.")]
    public int EmbeddingTimeoutSeconds { get; set; } = 30;

    /// <summary>How often the worker looks for sources without vectors of the configured model (provider down, model changed).</summary>
    [Range(1, 86_400, ErrorMessage = "Knowledge:EmbeddingRetrySeconds must be between 1 and 86400.")]
    public int EmbeddingRetrySeconds { get; set; } = 60;

    /// <summary>The most a search waits for its question's vector before ranking by keywords alone.</summary>
    [Range(50, 30_000, ErrorMessage = "Knowledge:QueryEmbeddingTimeoutMs must be between 50 and 30000.")]
    public int QueryEmbeddingTimeoutMs { get; set; } = 1500;

    /// <summary>An OpenAI/Jina-style base URL the <c>/rerank</c> path is added to; no reranking when unset.</summary>
    [Url(ErrorMessage = "Knowledge:RerankEndpoint must be an absolute http(s) URL.")]
    public string? RerankEndpoint { get; set; }

    public string? RerankModel { get; set; }

    public string? RerankApiKey { get; set; }

    [Range(50, 30_000, ErrorMessage = "Knowledge:RerankTimeoutMs must be between 50 and 30000.")]
    public int RerankTimeoutMs { get; set; } = 2000;

    /// <summary>How many fused passages the reranker reorders (the top of the fused list).</summary>
    [Range(1, 100, ErrorMessage = "Knowledge:RerankCandidates must be between 1 and 100.")]
    public int RerankCandidates { get; set; } = 20;

    public bool HasEmbeddings => !string.IsNullOrWhiteSpace(EmbeddingEndpoint);

    public bool HasRerank => !string.IsNullOrWhiteSpace(RerankEndpoint);

    /// <summary>What a source's vectors are marked with: the model and the dimensions asked, so changing either re-embeds.</summary>
    public string? ModelKey => HasEmbeddings ? $"{EmbeddingModel}/{EmbeddingDimensions?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "native"}" : null;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (HasEmbeddings && string.IsNullOrWhiteSpace(EmbeddingModel))
        {
            yield return new ValidationResult("Knowledge:EmbeddingModel must be set when Knowledge:EmbeddingEndpoint is.", [nameof(EmbeddingModel)]);
        }

        if (EmbeddingModel is { Length: > Data.Knowledge.KnowledgeSource.MaxEmbeddingModel - 10 })
        {
            yield return new ValidationResult($"Knowledge:EmbeddingModel must be at most {Data.Knowledge.KnowledgeSource.MaxEmbeddingModel - 10} characters.", [nameof(EmbeddingModel)]);
        }

        if (HasRerank && string.IsNullOrWhiteSpace(RerankModel))
        {
            yield return new ValidationResult("Knowledge:RerankModel must be set when Knowledge:RerankEndpoint is.", [nameof(RerankModel)]);
        }
    }
}
