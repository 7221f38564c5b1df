using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenAI;
using Polly;
using WeChatAi.Core.Ai;
using WeChatAi.Core.Knowledge.Vectors;

// RemoveAllResilienceHandlers is marked experimental; it is the documented way to replace the defaults' handler.
#pragma warning disable EXTEXP0001

// In the builder's namespace, like the service defaults' extensions.
namespace Microsoft.Extensions.Hosting;

public static class KnowledgeVectorExtensions
{
    private const string EmbeddingClientName = "knowledge-embeddings";

    /// <summary>
    /// The optional embedding and rerank providers (<see cref="VectorOptions"/>): <see cref="KnowledgeEmbedder"/> over
    /// an OpenAI-compatible <c>/embeddings</c> (its own retries and per-attempt timeout), and <see cref="KnowledgeReranker"/>.
    /// Both do nothing while their endpoint is not configured.
    /// </summary>
    public static TBuilder AddKnowledgeVectors<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddValidatedOptions<VectorOptions>(VectorOptions.Section);
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(KnowledgeEmbedder)))
        {
            return builder;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(EmbeddingClientName)
            .RemoveServiceDiscovery()
            .RemoveAllResilienceHandlers()
            .AddResilienceHandler("knowledge-embeddings", static (pipeline, context) =>
            {
                var settings = context.ServiceProvider.GetRequiredService<IOptions<VectorOptions>>().Value;
                pipeline
                    .AddRetry(OpenAiCompatible.Retries(settings.EmbeddingMaxRetries, TimeSpan.FromMilliseconds(500)))
                    .AddTimeout(TimeSpan.FromSeconds(settings.EmbeddingTimeoutSeconds));
            });
        services.AddHttpClient<KnowledgeReranker>(KnowledgeReranker.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveServiceDiscovery()
            .RemoveAllResilienceHandlers();
        services.AddSingleton(static provider =>
        {
            var settings = provider.GetRequiredService<IOptions<VectorOptions>>();
            return new KnowledgeEmbedder(
                settings.Value.HasEmbeddings ? Generator(provider, settings.Value) : null, settings, provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
                provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<Microsoft.Extensions.Logging.ILogger<KnowledgeEmbedder>>());
        });
        return builder;
    }

    /// <summary>The SDK's embedding client as Microsoft.Extensions.AI's generator, over this feature's HttpClient (its pipeline retries; the callers hold their deadline).</summary>
    private static IEmbeddingGenerator<string, Embedding<float>> Generator(IServiceProvider provider, VectorOptions settings) =>
        OpenAiCompatible.Client(provider.GetRequiredService<IHttpClientFactory>().CreateClient(EmbeddingClientName), settings.EmbeddingEndpoint!, settings.EmbeddingApiKey)
            .GetEmbeddingClient(settings.EmbeddingModel).AsIEmbeddingGenerator(settings.EmbeddingDimensions);
}
