using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WeChatAi.Core.Knowledge;
using WeChatAi.Core.Readiness;

// In the builder's namespace, like the service defaults' extensions: a service's feature adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class KnowledgeExtensions
{
    /// <summary>What chunking, segmenting and embedding need: the <c>Knowledge</c> settings, jieba (loaded when first needed) and the optional embedding provider.</summary>
    public static TBuilder AddKnowledgeBase<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddValidatedOptions<KnowledgeOptions>(KnowledgeOptions.Section);
        builder.Services.TryAddSingleton<KnowledgeSegmenter>();
        builder.AddKnowledgeVectors();
        return builder;
    }

    /// <summary>Keyword retrieval: <see cref="AddKnowledgeBase"/>, the answering settings, the in-memory index, its load before listening and its refresh.</summary>
    public static TBuilder AddKnowledgeSearch<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddKnowledgeBase();
        // The answering settings too: the API's test question shows which passages the worker would send.
        builder.AddValidatedOptions<KnowledgeAnswerOptions>(KnowledgeAnswerOptions.Section);
        var services = builder.Services;
        services.AddSingleton<KnowledgeIndex>();
        services.AddSingleton<KnowledgeRefresher>();
        services.AddHostedService(sp => sp.GetRequiredService<KnowledgeRefresher>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupWarmUp, KnowledgeRefresher>(sp => sp.GetRequiredService<KnowledgeRefresher>()));
        return builder;
    }
}
