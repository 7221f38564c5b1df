using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using OpenAI;
using Polly;
using WeChatAi.Worker.Delivery;
using WeChatAi.Worker.Jobs;
using WeChatAi.Worker.Llm;
using WeChatAi.Worker.Memory;
using WeChatAi.Worker.Recording;

// RemoveAllResilienceHandlers is marked experimental; it is the documented way to replace the defaults' handler.
#pragma warning disable EXTEXP0001

namespace WeChatAi.Worker;

public static class AiWorkerExtensions
{
    private const string LlmHttpClientName = "llm";

    /// <summary>
    /// The AI pipeline: consumes the job stream, asks the LLM, pushes answers through the customer-service API,
    /// remembers conversations and records every exchange. Needs <c>AddWeChatRedis</c> and <c>AddWeChatDatabase</c>.
    /// </summary>
    public static TBuilder AddAiWorker<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        AddValidatedOptions<WorkerOptions>(builder, WorkerOptions.Section);
        AddValidatedOptions<LlmOptions>(builder, LlmOptions.Section);
        AddValidatedOptions<WeChatApiOptions>(builder, WeChatApiOptions.Section);
        AddValidatedOptions<MemoryOptions>(builder, MemoryOptions.Section);
        AddValidatedOptions<RecordingOptions>(builder, RecordingOptions.Section);

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<WorkerMetrics>();

        // LLM: its own resilience (the defaults' 10-second attempts would cut every long answer short).
        services.AddHttpClient(LlmHttpClientName)
            .RemoveAllResilienceHandlers()
            .AddResilienceHandler("llm", static (pipeline, context) =>
            {
                var settings = context.ServiceProvider.GetRequiredService<IOptions<LlmOptions>>().Value;
                pipeline
                    .AddTimeout(TimeSpan.FromSeconds(settings.TimeoutSeconds))
                    .AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = Math.Max(1, settings.MaxRetries),
                        ShouldHandle = settings.MaxRetries == 0 ? static _ => PredicateResult.False() : new HttpRetryStrategyOptions().ShouldHandle,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        Delay = TimeSpan.FromMilliseconds(settings.RetryBaseDelayMs),
                        ShouldRetryAfterHeader = true,
                    })
                    .AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                    {
                        FailureRatio = 0.5,
                        MinimumThroughput = 20,
                        SamplingDuration = TimeSpan.FromSeconds(30),
                        BreakDuration = TimeSpan.FromSeconds(15),
                    });
            });
        services.AddChatClient(static provider =>
        {
            var settings = provider.GetRequiredService<IOptions<LlmOptions>>().Value;
            var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient(LlmHttpClientName);
            http.Timeout = Timeout.InfiniteTimeSpan; // the pipeline and LlmAnswerer hold the deadline
            var client = new OpenAIClient(
                new ApiKeyCredential(settings.IsConfigured ? settings.ApiKey! : "not-configured"),
                new OpenAIClientOptions
                {
                    Endpoint = new Uri(settings.BaseUrl),
                    Transport = new HttpClientPipelineTransport(http),
                    RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
                    NetworkTimeout = TimeSpan.FromSeconds(settings.TimeoutSeconds),
                });
            return client.GetChatClient(settings.Model).AsIChatClient();
        }).UseOpenTelemetry(sourceName: WeChatAiTelemetry.ActivitySourceName);
        services.AddSingleton<LlmAnswerer>();

        // WeChat: the standard pipeline, but no automatic retry of POSTs: a message WeChat took but answered late
        // must not be sent twice (the job retries instead, after its part markers say what was surely not sent).
        services.AddHttpClient<WeChatApiClient>(WeChatApiClient.HttpClientName)
            .RemoveAllResilienceHandlers()
            .AddStandardResilienceHandler(static options =>
            {
                options.Retry.DisableForUnsafeHttpMethods();

                // Concurrency is bounded by Worker:MaxConcurrency already; the default 1,000 permits would refuse pushes.
                options.RateLimiter.DefaultRateLimiterOptions.PermitLimit = 100_000;
                options.RateLimiter.DefaultRateLimiterOptions.QueueLimit = 0;

                // A push that times out may have been delivered and is then not sent again: give WeChat time to answer.
                options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(30);
                options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(60);
                options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(60);
            });
        services.AddSingleton<AccessTokenProvider>();
        services.AddSingleton<CustomerServiceSender>();
        services.AddSingleton<MessageBudget>();
        services.AddSingleton<AnswerDelivery>();
        services.AddSingleton<PassiveReplyStore>();
        services.AddSingleton<ConversationMemory>();

        // Registered before the consumer: hosted services stop in reverse order, so jobs stop before the last flush.
        services.AddSingleton<ExchangeRecorder>();
        services.AddHostedService(static provider => provider.GetRequiredService<ExchangeRecorder>());

        services.AddSingleton<JobProcessor>();
        services.AddSingleton<JobConsumer>();
        services.AddHostedService(static provider => provider.GetRequiredService<JobConsumer>());
        return builder;
    }

    private static void AddValidatedOptions<TOptions>(IHostApplicationBuilder builder, string section) where TOptions : class =>
        builder.Services.AddOptions<TOptions>()
            .Bind(builder.Configuration.GetSection(section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
}
