using Microsoft.Extensions.DependencyInjection.Extensions;
using WeChatAi.Worker.Knowledge;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class KnowledgeIngestionExtensions
{
    /// <summary>
    /// The knowledge base in the worker: queued sources chunked, segmented, embedded when a provider is configured and
    /// stored ready (<see cref="KnowledgeIngestion"/>); sources left without vectors embedded later (<see cref="KnowledgeEmbedding"/>);
    /// questions answered from it (<see cref="KnowledgeAnswers"/>, over Core's in-memory index, which loads jieba only
    /// once there are passages; section <c>Knowledge</c>).
    /// </summary>
    public static TBuilder AddKnowledge<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddKnowledgeSearch();
        builder.AddValidatedOptions<KnowledgeAnswerOptions>(KnowledgeAnswerOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<KnowledgeIngestion>();
        builder.Services.AddHostedService<KnowledgeEmbedding>();
        builder.Services.AddSingleton<KnowledgeAnswers>();
        return builder;
    }
}
