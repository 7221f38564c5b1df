using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using WeChatAi.Api.Billing;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Api.Purchase;

/// <summary>
/// The purchase page: <c>GET /pay</c> (signs in through WeChat's OAuth2 <c>snsapi_base</c> first), <c>GET /pay/oauth</c>
/// (OAuth's callback) and <c>GET /pay/pay.js</c>; plain HTML and JS embedded in the API.
/// </summary>
internal static class PayPage
{
    private const string Security = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors ";

    private const string PlainText = "text/plain; charset=utf-8";

    private static readonly string Html = Resource("Purchase.pay.html");

    private static readonly string Script = Resource("Purchase.pay.js");

    public static Results<ContentHttpResult, RedirectHttpResult> Page(
        HttpContext context, PayerSession session, OAuthStates states, IOptions<WeChatOptions> weChat, IOptions<PublicUrlOptions> publicUrl)
    {
        if (Unavailable(weChat.Value, publicUrl.Value) is { } unavailable)
        {
            return unavailable;
        }

        if (session.OpenId(context) is null)
        {
            return TypedResults.Redirect(AuthorizeUrl(weChat.Value, publicUrl.Value, states.Begin(context)));
        }

        context.Response.Headers.ContentSecurityPolicy = Security + publicUrl.Value.FrameAncestors;
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Text(Html, "text/html; charset=utf-8");
    }

    public static ContentHttpResult PageScript() => TypedResults.Text(Script, "text/javascript; charset=utf-8");

    public static async Task<Results<ContentHttpResult, RedirectHttpResult>> OAuthCallbackAsync(
        HttpContext context, string? code, string? state, OAuthStates states, WeChatOAuthClient oauth, PayerSession session,
        IOptions<WeChatOptions> weChat, IOptions<PublicUrlOptions> publicUrl, CancellationToken cancellationToken)
    {
        if (Unavailable(weChat.Value, publicUrl.Value) is { } unavailable)
        {
            return unavailable;
        }

        if (await states.CompleteAsync(context, state) is { } stateError)
        {
            return TypedResults.Text(stateError, PlainText, statusCode: StatusCodes.Status400BadRequest);
        }

        if (string.IsNullOrEmpty(code))
        {
            return TypedResults.Text("code is missing: WeChat did not authorize the login.", PlainText, statusCode: StatusCodes.Status400BadRequest);
        }

        var (openId, error) = await oauth.ExchangeCodeAsync(code, cancellationToken);
        if (openId is null)
        {
            return TypedResults.Text(error!, PlainText, statusCode: StatusCodes.Status400BadRequest);
        }

        session.SignIn(context, openId);
        return TypedResults.Redirect("/pay");
    }

    /// <summary>WeChat's authorize URL; <c>#wechat_redirect</c> is part of it (WeChat's page requires it).</summary>
    internal static string AuthorizeUrl(WeChatOptions weChat, PublicUrlOptions publicUrl, string state) =>
        $"{weChat.OAuthBaseUrl.TrimEnd('/')}/connect/oauth2/authorize?appid={Uri.EscapeDataString(weChat.AppId!)}" +
        $"&redirect_uri={Uri.EscapeDataString(new Uri(publicUrl.BaseUri!, "pay/oauth").ToString())}&response_type=code&scope=snsapi_base&state={state}#wechat_redirect";

    private static ContentHttpResult? Unavailable(WeChatOptions weChat, PublicUrlOptions publicUrl) =>
        publicUrl.BaseUri is null
            ? TypedResults.Text("The purchase page is off: Api:PublicBaseUrl is not configured.", PlainText, statusCode: StatusCodes.Status503ServiceUnavailable)
            : !weChat.IsApiConfigured
                ? TypedResults.Text("The purchase page is off: WeChat:AppId and WeChat:AppSecret are needed for OAuth.", PlainText, statusCode: StatusCodes.Status503ServiceUnavailable)
                : null;

    private static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name) ?? throw new InvalidOperationException($"Embedded resource {name} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
