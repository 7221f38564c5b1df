using WeChatAi.Core.WeChat;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace WeChatAi.Worker.Delivery;

/// <summary>The calls of WeChat's server API the worker makes: stable access tokens, customer-service text messages and typing.</summary>
internal sealed class WeChatApiClient(HttpClient http, IOptions<WeChatOptions> options)
{
    public const string HttpClientName = "wechat-api";

    /// <summary><c>POST /cgi-bin/stable_token</c> (never <c>/cgi-bin/token</c>, which would invalidate other holders' tokens).</summary>
    public async Task<StableToken> GetStableTokenAsync(bool forceRefresh, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var request = new StableTokenRequest("client_credential", settings.AppId!, settings.AppSecret!, forceRefresh);
        using var response = await http.PostAsJsonAsync(Url("/cgi-bin/stable_token"), request, WeChatJson.Default.StableTokenRequest, cancellationToken);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync(WeChatJson.Default.StableTokenResponse, cancellationToken)
            ?? throw new WeChatApiException(-1, "empty stable_token response");
        if (body.ErrCode != 0 || string.IsNullOrEmpty(body.AccessToken))
        {
            throw new WeChatApiException(body.ErrCode, body.ErrMsg ?? "no access_token in stable_token response");
        }

        return new StableToken(body.AccessToken, body.ExpiresIn > 0 ? body.ExpiresIn : 7200);
    }

    /// <summary><c>POST /cgi-bin/message/custom/send</c>; returns WeChat's errcode (0: sent). Throws on transport failures.</summary>
    public async Task<WeChatResult> SendTextAsync(string accessToken, string openId, string content, CancellationToken cancellationToken)
    {
        var request = new CustomTextMessage(openId, "text", new TextContent(content));
        using var response = await http.PostAsJsonAsync(
            Url($"/cgi-bin/message/custom/send?access_token={Uri.EscapeDataString(accessToken)}"),
            request, WeChatJson.Default.CustomTextMessage, cancellationToken);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync(WeChatJson.Default.WeChatResult, cancellationToken);
        return body ?? new WeChatResult(-1, "empty response");
    }

    /// <summary><c>POST /cgi-bin/message/custom/typing</c> with <c>Typing</c>; returns WeChat's errcode.</summary>
    public async Task<WeChatResult> TypingAsync(string accessToken, string openId, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(
            Url($"/cgi-bin/message/custom/typing?access_token={Uri.EscapeDataString(accessToken)}"),
            new TypingCommand(openId, "Typing"), WeChatJson.Default.TypingCommand, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync(WeChatJson.Default.WeChatResult, cancellationToken) ?? new WeChatResult(-1, "empty response");
    }

    private Uri Url(string pathAndQuery) => new(options.Value.ApiBaseUrl.TrimEnd('/') + pathAndQuery);
}

internal sealed record StableToken(string AccessToken, int ExpiresInSeconds);

internal sealed record StableTokenRequest(
    [property: JsonPropertyName("grant_type")] string GrantType,
    [property: JsonPropertyName("appid")] string AppId,
    [property: JsonPropertyName("secret")] string Secret,
    [property: JsonPropertyName("force_refresh")] bool ForceRefresh);

internal sealed record StableTokenResponse(
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    [property: JsonPropertyName("errcode")] int ErrCode,
    [property: JsonPropertyName("errmsg")] string? ErrMsg);

internal sealed record CustomTextMessage(
    [property: JsonPropertyName("touser")] string ToUser,
    [property: JsonPropertyName("msgtype")] string MsgType,
    [property: JsonPropertyName("text")] TextContent Text);

internal sealed record TypingCommand(
    [property: JsonPropertyName("touser")] string ToUser,
    [property: JsonPropertyName("command")] string Command);

internal sealed record TextContent([property: JsonPropertyName("content")] string Content);

internal sealed record WeChatResult(
    [property: JsonPropertyName("errcode")] int ErrCode,
    [property: JsonPropertyName("errmsg")] string? ErrMsg);

internal sealed class WeChatApiException(int errCode, string message)
    : Exception($"WeChat API error {errCode}: {message}")
{
    public int ErrCode { get; } = errCode;
}

[JsonSerializable(typeof(StableTokenRequest))]
[JsonSerializable(typeof(StableTokenResponse))]
[JsonSerializable(typeof(CustomTextMessage))]
[JsonSerializable(typeof(WeChatResult))]
[JsonSerializable(typeof(TypingCommand))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
internal sealed partial class WeChatJson : JsonSerializerContext;
