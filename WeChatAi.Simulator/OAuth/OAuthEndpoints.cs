using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using WeChatAi.Simulator.Browser;

namespace WeChatAi.Simulator.OAuth;

/// <summary>
/// WeChat's web-page OAuth2 (<c>snsapi_base</c>): the authorize page (open.weixin.qq.com) redirects back at once with
/// a code for the user the "WeChat browser" belongs to; <c>/sns/oauth2/access_token</c> (api.weixin.qq.com) exchanges
/// it once, within 5 minutes, for the OpenID.
/// </summary>
internal static class OAuthEndpoints
{
    private static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(5);

    public static void MapWeChatOAuth(this WebApplication app)
    {
        var codes = new ConcurrentDictionary<string, (string OpenId, DateTimeOffset Expires)>();

        app.MapGet("/connect/oauth2/authorize", (string? appid, string? redirect_uri, string? response_type, string? scope, string? state,
            IOptions<SimulatorOptions> options, SimulatedBrowser browser) =>
        {
            if (appid != options.Value.AppId || response_type != "code" || scope is not ("snsapi_base" or "snsapi_userinfo")
                || !Uri.TryCreate(redirect_uri, UriKind.Absolute, out var redirect))
            {
                return Results.Text("参数错误：appid、redirect_uri、response_type=code、scope=snsapi_base 必填（错误码 10003）", statusCode: 400);
            }

            if (browser.OpenId is not { } openId)
            {
                return Results.Text("请从聊天页面打开链接（模拟的微信浏览器还不知道是哪位用户）", statusCode: 403);
            }

            var code = RandomNumberGenerator.GetHexString(32, lowercase: true);
            codes[code] = (openId, DateTimeOffset.UtcNow + CodeLifetime);
            var query = $"code={code}&state={Uri.EscapeDataString(state ?? "")}";
            return Results.Redirect(redirect + (redirect.Query.Length > 0 ? "&" : "?") + query);
        });

        app.MapGet("/sns/oauth2/access_token", (string? appid, string? secret, string? code, string? grant_type, IOptions<SimulatorOptions> options) =>
        {
            if (appid != options.Value.AppId || secret != options.Value.AppSecret)
            {
                return Results.Json(new { errcode = 40125, errmsg = "invalid appsecret" });
            }

            if (grant_type != "authorization_code" || code is null || !codes.TryRemove(code, out var issued) || issued.Expires < DateTimeOffset.UtcNow)
            {
                return Results.Json(new { errcode = 40029, errmsg = "invalid code" });
            }

            return Results.Json(new
            {
                access_token = RandomNumberGenerator.GetHexString(64, lowercase: true),
                expires_in = 7200,
                refresh_token = RandomNumberGenerator.GetHexString(64, lowercase: true),
                openid = issued.OpenId,
                scope = "snsapi_base",
                is_snapshotuser = 0,
            });
        });
    }
}
