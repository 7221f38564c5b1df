using Microsoft.Extensions.DependencyInjection.Extensions;
using WeChatAi.Api.Menu;
using WeChatAi.Core.WeChat;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.AspNetCore.Builder;

public static class MenuExtensions
{
    /// <summary>The custom menu: its store, its publisher to WeChat and the shared access token it publishes with.</summary>
    public static TBuilder AddWeChatMenu<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddValidatedOptions<WeChatOptions>(WeChatOptions.Section);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddWeChatAccessTokens();
        services.AddHttpClient<MenuPublisher>();
        services.AddScoped<MenuStore>();
        return builder;
    }
}
