using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using WeChatAi.Core.WeChatPay;

// In the builder's namespace, like the service defaults' extensions.
namespace Microsoft.Extensions.Hosting;

public static class WeChatPayExtensions
{
    /// <summary>
    /// The <c>WeChatPay</c> settings (validated at startup), the keys (loaded on first use), <see cref="WeChatPayClient"/>
    /// and <see cref="WeChatPayNotifications"/>. Check <see cref="WeChatPayOptions.IsConfigured"/> before paying.
    /// </summary>
    public static IHostApplicationBuilder AddWeChatPay(this IHostApplicationBuilder builder)
    {
        // The purchase page and settlement both need it; registered once.
        if (builder.Services.Any(d => d.ServiceType == typeof(WeChatPayKeys)))
        {
            return builder;
        }

        builder.AddValidatedOptions<WeChatPayOptions>(WeChatPayOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WeChatPayKeys>();
        builder.Services.TryAddSingleton<WeChatPayNotifications>();
        builder.Services.AddHttpClient<WeChatPayClient>((services, http) =>
            http.BaseAddress = new Uri(services.GetRequiredService<IOptions<WeChatPayOptions>>().Value.BaseUrl));
        return builder;
    }
}
