using System.ComponentModel.DataAnnotations;
using WeChatAi.Core.Knowledge;

namespace WeChatAi.UnitTests.Knowledge;

/// <summary>The <c>Knowledge</c> settings are checked at startup (AddValidatedOptions), naming the setting.</summary>
public sealed class KnowledgeOptionsTests
{
    [Fact]
    public void Sizes_out_of_range_or_an_overlap_over_half_a_chunk_are_refused_by_name_and_the_defaults_pass()
    {
        Assert.Empty(Errors(new KnowledgeOptions()));
        Assert.Equal(["Knowledge:ChunkChars must be between 100 and 4000."], Errors(new KnowledgeOptions { ChunkChars = 99, ChunkOverlapChars = 0 }));
        Assert.Equal(["Knowledge:ChunkOverlapChars must be between 0 and 1000."], Errors(new KnowledgeOptions { ChunkChars = 4000, ChunkOverlapChars = -1 }));
        Assert.Equal(
            ["Knowledge:ChunkOverlapChars (251) must be at most half of Knowledge:ChunkChars (500), or chunks would mostly repeat each other."],
            Errors(new KnowledgeOptions { ChunkChars = 500, ChunkOverlapChars = 251 }));
        Assert.Empty(Errors(new KnowledgeOptions { ChunkChars = 500, ChunkOverlapChars = 250 }));
    }

    private static IEnumerable<string?> Errors(KnowledgeOptions options)
    {
        var results = new List<ValidationResult>();
        return Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true) ? [] : results.Select(r => r.ErrorMessage);
    }
}
