using Microsoft.Extensions.DependencyInjection.Extensions;
using WeChatAi.Api.Keywords;
using WeChatAi.Core.Readiness;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.AspNetCore.Builder;

public static class KeywordExtensions
{
    /// <summary>Keyword replies: the <c>Keywords</c> settings, the in-memory rules, their load before listening and their refresh.</summary>
    public static TBuilder AddKeywordReplies<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddValidatedOptions<KeywordOptions>(KeywordOptions.Section);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<KeywordReplies>();
        services.AddSingleton<KeywordRefresher>();
        services.AddHostedService(sp => sp.GetRequiredService<KeywordRefresher>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupWarmUp, KeywordRefresher>(sp => sp.GetRequiredService<KeywordRefresher>()));
        return builder;
    }
}
