using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Api.Purchase;
using WeChatAi.Core.WeChat;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.AspNetCore.Builder;

public static class PurchaseExtensions
{
    /// <summary>Redis key of the Data Protection key ring, shared by every API replica (a cookie signed by one is read by all).</summary>
    public const string KeyRingKey = "wechatai:dataprotection:keys";

    /// <summary>
    /// The purchase page's services: WeChat Pay (pay's client), OAuth, the signed payer cookie and OAuth state with
    /// Data Protection keys in Redis, order creation. Needs <c>AddWeChatWebhook</c> (the billing and <c>Api</c> settings).
    /// </summary>
    public static TBuilder AddPurchase<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddWeChatPay();
        var services = builder.Services;
        services.AddDataProtection().SetApplicationName("WeChatAi");
        services.AddOptions<KeyManagementOptions>().Configure<IConnectionMultiplexer>((options, redis) =>
            options.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), KeyRingKey));
        services.AddSingleton<PayerSession>();
        services.AddSingleton<OAuthStates>();
        services.AddScoped<PurchaseOrders>();
        services.AddHttpClient<WeChatOAuthClient>((provider, http) =>
            http.BaseAddress = new Uri(provider.GetRequiredService<IOptions<WeChatOptions>>().Value.ApiBaseUrl.TrimEnd('/') + "/"));
        return builder;
    }
}
