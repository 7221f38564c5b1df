using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using WeChatAi.Core.Knowledge;
using WeChatAi.Worker.Knowledge;
using WeChatAi.Worker.Knowledge.Articles;
using WeChatAi.Worker.Knowledge.Extraction;

// RemoveAllResilienceHandlers is marked experimental; it is the documented way to replace the defaults' handler.
#pragma warning disable EXTEXP0001

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class KnowledgeIngestionExtensions
{
    /// <summary>
    /// The knowledge base in the worker: queued sources extracted (files, pages by URL, articles), chunked, segmented,
    /// embedded when a provider is configured and stored ready (<see cref="KnowledgeIngestion"/>); sources left without
    /// vectors embedded later (<see cref="KnowledgeEmbedding"/>); the account's published articles synced on request
    /// (<see cref="ArticleSync"/>); questions answered from it (<see cref="KnowledgeAnswers"/>, over Core's in-memory
    /// index, which loads jieba only once there are passages; section <c>Knowledge</c>).
    /// </summary>
    public static TBuilder AddKnowledge<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddKnowledgeSearch();
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);

        // Pages come from an operator: only public addresses (checked at connect), no redirect, no retry (the
        // source fails readably and the operator refreshes it); PageFetcher holds the deadline and the size.
        services.AddHttpClient(PageFetcher.ClientName, static http => http.Timeout = Timeout.InfiniteTimeSpan)
            .AddOutboundGuard(static sp => sp.GetRequiredService<IOptions<KnowledgeOptions>>().Value.PagePolicy())
            .RemoveAllResilienceHandlers();
        services.AddSingleton<PageFetcher>();
        services.AddSingleton<SourceExtractor>();
        services.AddHostedService<KnowledgeIngestion>();
        services.AddHostedService<KnowledgeEmbedding>();
        services.AddSingleton<KnowledgeAnswers>();

        services.AddWeChatAccessTokens(); // freepublish/batchget with the account's shared token
        services.AddHttpClient(FreePublishClient.ClientName);
        services.AddSingleton<FreePublishClient>();
        services.AddHostedService<ArticleSync>();
        return builder;
    }
}
