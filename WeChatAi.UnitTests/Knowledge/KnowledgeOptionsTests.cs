using System.ComponentModel.DataAnnotations;
using WeChatAi.Core.Knowledge;
using WeChatAi.Core.Knowledge.Vectors;

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

    [Fact]
    public void The_embedding_and_rerank_settings_are_refused_by_name_and_a_model_is_required_with_an_endpoint()
    {
        Assert.Empty(Errors(new VectorOptions()));
        Assert.Null(new VectorOptions().ModelKey);
        Assert.Equal(["Knowledge:EmbeddingEndpoint must be an absolute http(s) URL."], Errors(new VectorOptions { EmbeddingEndpoint = "embeddings", EmbeddingModel = "m" }));
        Assert.Equal(
            ["Knowledge:EmbeddingModel must be set when Knowledge:EmbeddingEndpoint is."],
            Errors(new VectorOptions { EmbeddingEndpoint = "https://e.example/v1" }));
        Assert.Equal(["Knowledge:EmbeddingBatchSize must be between 1 and 2048."], Errors(new VectorOptions { EmbeddingBatchSize = 0 }));
        Assert.Equal(["Knowledge:EmbeddingDimensions must be between 16 and 8192."], Errors(new VectorOptions { EmbeddingDimensions = 8 }));
        Assert.Equal(["Knowledge:RerankModel must be set when Knowledge:RerankEndpoint is."], Errors(new VectorOptions { RerankEndpoint = "https://r.example/v1" }));

        // The model and the dimensions asked mark the vectors: changing either re-embeds.
        Assert.Equal("m/native", new VectorOptions { EmbeddingEndpoint = "https://e.example/v1", EmbeddingModel = "m" }.ModelKey);
        Assert.Equal("m/512", new VectorOptions { EmbeddingEndpoint = "https://e.example/v1", EmbeddingModel = "m", EmbeddingDimensions = 512 }.ModelKey);
    }

    [Fact]
    public void Upload_page_and_fetch_limits_out_of_range_are_refused_by_name()
    {
        Assert.Equal(["Knowledge:MaxUploadBytes must be between 65536 and 104857600."], Errors(new KnowledgeOptions { MaxUploadBytes = 1000 }));
        Assert.Equal(["Knowledge:MaxPageBytes must be between 65536 and 104857600."], Errors(new KnowledgeOptions { MaxPageBytes = 200 * 1024 * 1024 }));
        Assert.Equal(["Knowledge:FetchTimeoutSeconds must be between 1 and 50."], Errors(new KnowledgeOptions { FetchTimeoutSeconds = 60 }));
        Assert.Equal(["Knowledge:FetchTimeoutSeconds must be between 1 and 50."], Errors(new KnowledgeOptions { FetchTimeoutSeconds = 0 }));
        Assert.False(new KnowledgeOptions().PagePolicy().AllowPrivateAddresses);
        Assert.Null(new KnowledgeOptions().PagePolicy().AllowedHosts);
        Assert.True(new KnowledgeOptions { AllowPrivateAddresses = true }.PagePolicy().AllowPrivateAddresses);
    }

    private static IEnumerable<string?> Errors(object options)
    {
        var results = new List<ValidationResult>();
        return Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true) ? [] : results.Select(r => r.ErrorMessage);
    }
}
