using Microsoft.Extensions.DependencyInjection.Extensions;
using WeChatAi.Worker.Knowledge;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class KnowledgeIngestionExtensions
{
    /// <summary>
    /// The knowledge base's ingestion: queued sources chunked, segmented, embedded when a provider is configured and
    /// stored ready (<see cref="KnowledgeIngestion"/>); sources left without vectors embedded later (<see cref="KnowledgeEmbedding"/>).
    /// </summary>
    public static TBuilder AddKnowledgeIngestion<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddKnowledgeBase();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<KnowledgeIngestion>();
        builder.Services.AddHostedService<KnowledgeEmbedding>();
        return builder;
    }
}
