using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using WeChatAi.Core.Compliance;
using WeChatAi.Core.Replies;
using WeChatAi.Core.WeChat;
using WeChatAi.Worker.Delivery;
using WeChatAi.Worker.Common;

// RemoveAllResilienceHandlers is marked experimental; it is the documented way to replace the defaults' handler.
#pragma warning disable EXTEXP0001

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class DeliveryExtensions
{
    /// <summary>
    /// Answers to the user: WeChat's API (stable access tokens, customer-service messages), the per-user budget, and
    /// passive mode's answer store. Binds and validates the <c>WeChat</c> section.
    /// </summary>
    public static TBuilder AddWeChatDelivery<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddValidatedOptions<WeChatOptions>(WeChatOptions.Section);
        builder.AddValidatedOptions<ComplianceOptions>(ComplianceOptions.Section);
        var services = builder.Services;
        services.AddOptions<ComplianceOptions>().Validate<IOptions<WeChatOptions>>(
            static (compliance, weChat) => compliance.LabelFits(weChat.Value.MaxMessageBytes), ComplianceOptions.LabelTooLong);

        // The standard pipeline's circuit breaker and attempt timeout, and nothing else: a message WeChat took but answered
        // late must not be sent twice (no retry: the job retries instead, after its part markers say what was surely not
        // sent); concurrency is bounded by Worker:MaxConcurrency already (no rate limiter); and without retries a total
        // timeout never fires before the attempt's. Each of those strategies cost CPU on every push and typing call, as
        // did service discovery (WeChat:ApiBaseUrl is a URL, never a service name).
        services.AddHttpClient<WeChatApiClient>(WeChatApiClient.HttpClientName)
            .RemoveServiceDiscovery()
            .RemoveAllResilienceHandlers()
            .AddResilienceHandler("wechat-api", static pipeline => pipeline
                // A push that times out may have been delivered and is then not sent again: give WeChat time to answer.
                .AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions { SamplingDuration = TimeSpan.FromSeconds(60) })
                .AddTimeout(new HttpTimeoutStrategyOptions { Timeout = TimeSpan.FromSeconds(30) }));
        services.TryAddWorkerMetrics();
        services.AddWeChatAccessTokens();
        services.AddSingleton<CustomerServiceSender>();
        services.TryAddSingleton<MessageBudget>();
        services.AddSingleton<AnswerDelivery>();
        services.AddSingleton<PassiveDelivery>();
        services.AddSingleton<TypingIndicator>();
        return builder;
    }
}
