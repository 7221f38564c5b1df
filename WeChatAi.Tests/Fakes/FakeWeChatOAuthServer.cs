using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace WeChatAi.Tests.Fakes;

/// <summary>
/// WeChat's OAuth2 for a web page (<c>snsapi_base</c>): <c>GET /connect/oauth2/authorize</c> (open.weixin.qq.com)
/// sends the browser back to <c>redirect_uri?code=&amp;state=</c> for <see cref="NextOpenId"/>, and
/// <c>GET /sns/oauth2/access_token</c> (api.weixin.qq.com) exchanges a code once, within 5 minutes, for its OpenID.
/// </summary>
public sealed class FakeWeChatOAuthServer(string appId, string appSecret) : FakeHttpServer
{
    private readonly ConcurrentDictionary<string, string> _codes = new(StringComparer.Ordinal);

    /// <summary>Who the next browser at the authorize page is.</summary>
    public string NextOpenId { get; set; } = "o-payer";

    public ConcurrentQueue<string> AuthorizeQueries { get; } = new();

    public static async Task<FakeWeChatOAuthServer> StartAsync(string appId, string appSecret)
    {
        var server = new FakeWeChatOAuthServer(appId, appSecret);
        await server.StartAsyncCore();
        return server;
    }

    /// <summary>A code for <paramref name="openId"/> as the authorize page would issue it.</summary>
    public string IssueCode(string openId)
    {
        var code = RandomNumberGenerator.GetHexString(32, lowercase: true);
        _codes[code] = openId;
        return code;
    }

    protected override void Map(WebApplication app)
    {
        app.MapGet("/connect/oauth2/authorize", (HttpContext context) =>
        {
            var query = context.Request.Query;
            AuthorizeQueries.Enqueue(context.Request.QueryString.Value ?? string.Empty);
            if (query["appid"] != appId || query["response_type"] != "code" || query["scope"] != "snsapi_base" || string.IsNullOrEmpty(query["redirect_uri"]))
            {
                return Results.Text("参数错误", statusCode: StatusCodes.Status400BadRequest);
            }

            var redirect = $"{query["redirect_uri"]}?code={IssueCode(NextOpenId)}&state={Uri.EscapeDataString(query["state"].ToString())}";
            return Results.Redirect(redirect);
        });

        app.MapGet("/sns/oauth2/access_token", (HttpContext context) =>
        {
            var query = context.Request.Query;
            if (query["appid"] != appId || query["secret"] != appSecret)
            {
                return Error(40125, "invalid appsecret");
            }

            if (query["grant_type"] != "authorization_code")
            {
                return Error(40002, "invalid grant_type");
            }

            // A code is single use.
            if (!_codes.TryRemove(query["code"].ToString(), out var openId))
            {
                return Error(40029, "invalid code");
            }

            return Results.Text(new JsonObject
            {
                ["access_token"] = "ACCESS_TOKEN",
                ["expires_in"] = 7200,
                ["refresh_token"] = "REFRESH_TOKEN",
                ["openid"] = openId,
                ["scope"] = "snsapi_base",
            }.ToJsonString(), "application/json");
        });
    }

    private static IResult Error(int code, string message) =>
        Results.Text(new JsonObject { ["errcode"] = code, ["errmsg"] = message }.ToJsonString(), "application/json");
}
