using Microsoft.Extensions.AI;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenAI;
using Polly;
using WeChatAi.Core.Ai;
using WeChatAi.Worker.Llm;
using WeChatAi.Worker.Common;

// RemoveAllResilienceHandlers is marked experimental; it is the documented way to replace the defaults' handler.
#pragma warning disable EXTEXP0001

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class LlmExtensions
{
    private const string HttpClientName = "llm";

    /// <summary>The chat model behind <c>IChatClient</c> (OpenAI-compatible API, section <c>Llm</c>) and <see cref="LlmAnswerer"/>.</summary>
    public static TBuilder AddLlm<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddValidatedOptions<LlmOptions>(LlmOptions.Section);
        var services = builder.Services;

        // Its own resilience: the defaults' 10-second attempts would cut every long answer short. Llm:BaseUrl is a URL,
        // never a service name: no service discovery.
        services.AddHttpClient(HttpClientName)
            .RemoveServiceDiscovery()
            .RemoveAllResilienceHandlers()
            .AddResilienceHandler("llm", static (pipeline, context) =>
            {
                var settings = context.ServiceProvider.GetRequiredService<IOptions<LlmOptions>>().Value;
                pipeline
                    .AddTimeout(TimeSpan.FromSeconds(settings.TimeoutSeconds))
                    .AddRetry(OpenAiCompatible.Retries(settings.MaxRetries, TimeSpan.FromMilliseconds(settings.RetryBaseDelayMs)))
                    .AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                    {
                        FailureRatio = 0.5,

                        // At least a full round of the calls in flight: failures (a 503, a 429) come back at once and
                        // answers a second later, so a process's first burst would judge by its failures alone.
                        MinimumThroughput = Math.Max(20, settings.MaxConcurrency),
                        SamplingDuration = TimeSpan.FromSeconds(30),
                        BreakDuration = TimeSpan.FromSeconds(15),
                    });
            });
        services.AddChatClient(static provider =>
        {
            var settings = provider.GetRequiredService<IOptions<LlmOptions>>().Value;
            return OpenAiClient(provider, settings.BaseUrl, settings.ApiKey).GetChatClient(settings.Model).AsIChatClient();
        })
        // Spans and metrics only: failures are logged once, by the pipeline with the job's id. Its own log would add a
        // warning with a stack trace for every call a stopping worker cancels.
        .UseOpenTelemetry(loggerFactory: NullLoggerFactory.Instance, sourceName: WeChatAiTelemetry.ActivitySourceName);

        // Images go to their own model, possibly at another provider (the chat model often takes no images).
        services.AddKeyedChatClient(LlmAnswerer.VisionClient, static provider =>
        {
            var settings = provider.GetRequiredService<IOptions<LlmOptions>>().Value;
            return OpenAiClient(provider, settings.VisionBaseUrl ?? settings.BaseUrl, settings.VisionApiKey ?? settings.ApiKey)
                .GetChatClient(settings.HasVision ? settings.VisionModel! : settings.Model).AsIChatClient();
        })
        .UseOpenTelemetry(loggerFactory: NullLoggerFactory.Instance, sourceName: WeChatAiTelemetry.ActivitySourceName);
        services.AddSingleton(static provider =>
        {
            var settings = provider.GetRequiredService<IOptions<LlmOptions>>().Value;
            var audio = OpenAiClient(provider, settings.TranscriptionBaseUrl ?? settings.BaseUrl, settings.TranscriptionApiKey ?? settings.ApiKey)
                .GetAudioClient(settings.HasTranscription ? settings.TranscriptionModel! : "none");
            return new LlmTranscriber(audio, provider.GetRequiredService<IOptions<LlmOptions>>(), provider.GetRequiredService<ServiceCallStats>());
        });
        services.TryAddWorkerMetrics();
        services.AddSingleton<LlmAnswerer>();
        return builder;
    }

    private static OpenAIClient OpenAiClient(IServiceProvider provider, string baseUrl, string? apiKey) =>
        OpenAiCompatible.Client(provider.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName), baseUrl, apiKey); // the pipeline and LlmAnswerer hold the deadline
}
