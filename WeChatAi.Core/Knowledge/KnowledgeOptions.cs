using System.ComponentModel.DataAnnotations;
using WeChatAi.Core.Outbound;

namespace WeChatAi.Core.Knowledge;

/// <summary>The knowledge base (section <c>Knowledge</c>); the sources themselves live in PostgreSQL.</summary>
public sealed class KnowledgeOptions : IValidatableObject
{
    public const string Section = "Knowledge";

    /// <summary>
    /// The most characters a chunk holds (a Chinese character is one): small enough that a passage is about one thing,
    /// large enough to hold an answer with its context.
    /// </summary>
    [Range(100, 4000, ErrorMessage = "Knowledge:ChunkChars must be between 100 and 4000.")]
    public int ChunkChars { get; set; } = 500;

    /// <summary>The characters (whole sentences where they fit) a chunk repeats from the one before, so a fact cut by a boundary is whole in one of them.</summary>
    [Range(0, 1000, ErrorMessage = "Knowledge:ChunkOverlapChars must be between 0 and 1000.")]
    public int ChunkOverlapChars { get; set; } = 80;

    /// <summary>The most an uploaded file (the whole multipart body) may be; the API stops reading past it (413).</summary>
    [Range(64 * 1024, 100 * 1024 * 1024, ErrorMessage = "Knowledge:MaxUploadBytes must be between 65536 and 104857600.")]
    public int MaxUploadBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>The most of a page added by URL the worker reads; a larger page fails its source.</summary>
    [Range(64 * 1024, 100 * 1024 * 1024, ErrorMessage = "Knowledge:MaxPageBytes must be between 65536 and 104857600.")]
    public int MaxPageBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>How long fetching a page may take, headers to last byte; under the worker's one-minute claim on a source.</summary>
    [Range(1, 50, ErrorMessage = "Knowledge:FetchTimeoutSeconds must be between 1 and 50.")]
    public int FetchTimeoutSeconds { get; set; } = 20;

    /// <summary>Development only: pages may be fetched from loopback and private addresses (the tests' local server).</summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>Where pages added by URL may be fetched, for the outbound guard: any host whose addresses are all public.</summary>
    public OutboundPolicy PagePolicy() => AllowPrivateAddresses ? OutboundPolicy.AnyPublicHost with { AllowPrivateAddresses = true } : OutboundPolicy.AnyPublicHost;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ChunkOverlapChars * 2 > ChunkChars)
        {
            yield return new ValidationResult(
                $"Knowledge:ChunkOverlapChars ({ChunkOverlapChars}) must be at most half of Knowledge:ChunkChars ({ChunkChars}), or chunks would mostly repeat each other.",
                [nameof(ChunkOverlapChars)]);
        }
    }
}
