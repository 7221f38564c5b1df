using System.Reflection;
using Microsoft.Extensions.Options;
using WeChatAi.Api.Billing;
using WeChatAi.Api.Purchase;
using WeChatAi.Core.WeChat;

// In the builder's namespace, like the service defaults' extensions: Program.cs maps it with one line.
namespace Microsoft.AspNetCore.Builder;

public static class PurchasePage
{
    private const string Security = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors ";

    /// <summary>
    /// <c>GET /pay</c> (signs in through WeChat's OAuth2 <c>snsapi_base</c> first), <c>GET /pay/oauth</c> (OAuth's
    /// callback) and <c>GET /pay/pay.js</c>, each behind the per-address limit of the <c>/api</c> group: anyone on the
    /// internet can call them.
    /// </summary>
    public static WebApplication MapPurchasePage(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var html = Resource("Purchase.pay.html");
        var script = Resource("Purchase.pay.js");
        app.MapGet("/pay", (HttpContext context, PayerSession session, OAuthStates states, IOptions<WeChatOptions> weChat, IOptions<PublicUrlOptions> publicUrl) =>
        {
            if (Unavailable(weChat.Value, publicUrl.Value) is { } unavailable)
            {
                return unavailable;
            }

            if (session.OpenId(context) is null)
            {
                return Results.Redirect(AuthorizeUrl(weChat.Value, publicUrl.Value, states.Begin(context)));
            }

            context.Response.Headers.ContentSecurityPolicy = Security + publicUrl.Value.FrameAncestors;
            context.Response.Headers.CacheControl = "no-store";
            return Results.Text(html, "text/html; charset=utf-8");
        }).RequireRateLimiting(HttpApiExtensions.RateLimitPolicy);
        app.MapGet("/pay/pay.js", () => Results.Text(script, "text/javascript; charset=utf-8")).RequireRateLimiting(HttpApiExtensions.RateLimitPolicy);
        app.MapGet("/pay/oauth", async (HttpContext context, string? code, string? state, OAuthStates states, WeChatOAuthClient oauth, PayerSession session,
            IOptions<WeChatOptions> weChat, IOptions<PublicUrlOptions> publicUrl, CancellationToken cancellationToken) =>
        {
            if (Unavailable(weChat.Value, publicUrl.Value) is { } unavailable)
            {
                return unavailable;
            }

            if (await states.CompleteAsync(context, state) is { } stateError)
            {
                return Results.Text(stateError, "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
            }

            if (string.IsNullOrEmpty(code))
            {
                return Results.Text("code is missing: WeChat did not authorize the login.", "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
            }

            var (openId, error) = await oauth.ExchangeCodeAsync(code, cancellationToken);
            if (openId is null)
            {
                return Results.Text(error!, "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
            }

            session.SignIn(context, openId);
            return Results.Redirect("/pay");
        }).RequireRateLimiting(HttpApiExtensions.RateLimitPolicy);
        return app;
    }

    /// <summary>WeChat's authorize URL; <c>#wechat_redirect</c> is part of it (WeChat's page requires it).</summary>
    internal static string AuthorizeUrl(WeChatOptions weChat, PublicUrlOptions publicUrl, string state) =>
        $"{weChat.OAuthBaseUrl.TrimEnd('/')}/connect/oauth2/authorize?appid={Uri.EscapeDataString(weChat.AppId!)}" +
        $"&redirect_uri={Uri.EscapeDataString(new Uri(publicUrl.BaseUri!, "pay/oauth").ToString())}&response_type=code&scope=snsapi_base&state={state}#wechat_redirect";

    private static IResult? Unavailable(WeChatOptions weChat, PublicUrlOptions publicUrl) =>
        publicUrl.BaseUri is null
            ? Results.Text("The purchase page is off: Api:PublicBaseUrl is not configured.", "text/plain; charset=utf-8", statusCode: StatusCodes.Status503ServiceUnavailable)
            : !weChat.IsApiConfigured
                ? Results.Text("The purchase page is off: WeChat:AppId and WeChat:AppSecret are needed for OAuth.", "text/plain; charset=utf-8", statusCode: StatusCodes.Status503ServiceUnavailable)
                : null;

    private static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name) ?? throw new InvalidOperationException($"Embedded resource {name} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
