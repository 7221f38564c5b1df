using WeChatAi.Api.Purchase;

// In the builder's namespace, like the service defaults' extensions: Program.cs maps it with one line.
namespace Microsoft.AspNetCore.Builder;

public static class PurchasePage
{
    /// <summary>
    /// <c>GET /pay</c>, <c>GET /pay/oauth</c> and <c>GET /pay/pay.js</c> (<see cref="PayPage"/>), each behind the
    /// per-address limit of the <c>/api</c> group: anyone on the internet can call them.
    /// </summary>
    public static WebApplication MapPurchasePage(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/pay", PayPage.Page).RequireRateLimiting(HttpApiExtensions.RateLimitPolicy);
        app.MapGet("/pay/pay.js", PayPage.PageScript).RequireRateLimiting(HttpApiExtensions.RateLimitPolicy);
        app.MapGet("/pay/oauth", PayPage.OAuthCallbackAsync).RequireRateLimiting(HttpApiExtensions.RateLimitPolicy);
        return app;
    }
}
