using System.ComponentModel.DataAnnotations;

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
