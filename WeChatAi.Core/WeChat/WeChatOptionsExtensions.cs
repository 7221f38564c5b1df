using Microsoft.Extensions.DependencyInjection;
using WeChatAi.Core.WeChat;

// In the builder's namespace, like the service defaults' extensions.
namespace Microsoft.Extensions.Hosting;

public static class WeChatOptionsExtensions
{
    /// <summary>Binds <see cref="WeChatOptions"/> and validates it at startup, with messages naming the setting.</summary>
    public static TBuilder AddWeChatOptions<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<WeChatOptions>()
            .BindConfiguration(WeChatOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return builder;
    }
}
