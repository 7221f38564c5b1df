using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using WeChatAi.Core.Readiness;
using WeChatAi.Core.Safety;
using WeChatAi.Worker.Common;
using WeChatAi.Worker.Safety;

// RemoveAllResilienceHandlers is marked experimental; it is the documented way to replace the defaults' handler.
#pragma warning disable EXTEXP0001

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class SafetyExtensions
{
    /// <summary>
    /// Content safety of questions and answers (section <c>Safety</c>): word lists loaded before the worker starts and
    /// reloaded on change, and the optional moderation service.
    /// </summary>
    public static TBuilder AddContentSafety<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddValidatedOptions<SafetyOptions>(SafetyOptions.Section);
        builder.AddValidatedOptions<SafetyTextOptions>(SafetyTextOptions.Section);
        var services = builder.Services;
        services.TryAddWorkerMetrics();
        services.AddSingleton<WordLists>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupWarmUp, WordLists>(static provider => provider.GetRequiredService<WordLists>()));
        services.AddHttpClient<ModerationClient>(ModerationClient.HttpClientName)
            .RemoveServiceDiscovery() // Safety:ModerationUrl is a URL, never a service name
            .RemoveAllResilienceHandlers()
            .AddStandardResilienceHandler()
            .Configure(static (resilience, provider) =>
            {
                // Inside the client's hard deadline: two tries of half of it, a short pause between them.
                var deadline = TimeSpan.FromMilliseconds(provider.GetRequiredService<IOptions<SafetyOptions>>().Value.ModerationTimeoutMs);
                resilience.TotalRequestTimeout.Timeout = deadline;
                resilience.AttemptTimeout.Timeout = deadline / 2;
                resilience.Retry.MaxRetryAttempts = 1;
                resilience.Retry.Delay = TimeSpan.FromMilliseconds(50);
            });
        services.AddSingleton<SafetyMetrics>();
        services.AddSingleton<ContentSafety>();
        return builder;
    }
}
