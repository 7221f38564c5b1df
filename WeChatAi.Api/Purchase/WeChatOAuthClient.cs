using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Api.Purchase;

/// <summary>WeChat's OAuth2 code exchange: <c>GET /sns/oauth2/access_token</c> → the payer's OpenID (snsapi_base).</summary>
public sealed class WeChatOAuthClient(HttpClient http, IOptions<WeChatOptions> options)
{
    /// <returns>The OpenID, or null with WeChat's error (an invalid or used code: 40029, 40163).</returns>
    public async Task<(string? OpenId, string? Error)> ExchangeCodeAsync(string code, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var query = $"sns/oauth2/access_token?appid={Uri.EscapeDataString(settings.AppId!)}&secret={Uri.EscapeDataString(settings.AppSecret!)}" +
            $"&code={Uri.EscapeDataString(code)}&grant_type=authorization_code";
        using var response = await http.GetAsync(new Uri(query, UriKind.Relative), cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var body = await JsonSerializer.DeserializeAsync(
            await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), OAuthJson.Default.OAuthTokenResponse, cancellationToken).ConfigureAwait(false);
        return body switch
        {
            { OpenId: { Length: > 0 } openId, ErrCode: null or 0 } => (openId, null),
            { ErrCode: { } errCode } => (null, $"WeChat refused the code: {errCode} {body.ErrMsg}"),
            _ => (null, "WeChat's answer has no openid."),
        };
    }
}

internal sealed record OAuthTokenResponse(
    [property: JsonPropertyName("openid")] string? OpenId,
    [property: JsonPropertyName("errcode")] int? ErrCode,
    [property: JsonPropertyName("errmsg")] string? ErrMsg);

[JsonSerializable(typeof(OAuthTokenResponse))]
internal sealed partial class OAuthJson : JsonSerializerContext;
