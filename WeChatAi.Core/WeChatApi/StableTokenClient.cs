using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Core.WeChatApi;

/// <summary><c>POST /cgi-bin/stable_token</c> (never <c>/cgi-bin/token</c>, which would invalidate other holders' tokens).</summary>
public sealed class StableTokenClient(HttpClient http, IOptions<WeChatOptions> options)
{
    public async Task<StableToken> GetStableTokenAsync(bool forceRefresh, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.IsApiConfigured)
        {
            throw new WeChatApiException(-1, "WeChat:AppId and WeChat:AppSecret are not both set here, so no token can be fetched");
        }

        var request = new StableTokenRequest("client_credential", settings.AppId!, settings.AppSecret!, forceRefresh);
        using var response = await http.PostAsJsonAsync(WeChatApiUrl.For(settings, "/cgi-bin/stable_token"), request, StableTokenJson.Default.StableTokenRequest, cancellationToken)
            .ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync(StableTokenJson.Default.StableTokenResponse, cancellationToken).ConfigureAwait(false)
            ?? throw new WeChatApiException(-1, "empty stable_token response");
        if (body.ErrCode != 0 || string.IsNullOrEmpty(body.AccessToken))
        {
            throw new WeChatApiException(body.ErrCode, body.ErrMsg ?? "no access_token in stable_token response");
        }

        return new StableToken(body.AccessToken, body.ExpiresIn > 0 ? body.ExpiresIn : 7200);
    }
}

public sealed record StableToken(string AccessToken, int ExpiresInSeconds);

/// <summary>WeChat answered with a non-zero errcode.</summary>
public sealed class WeChatApiException(int errCode, string message)
    : Exception($"WeChat API error {errCode}: {message}")
{
    public int ErrCode { get; } = errCode;
}

/// <summary>Absolute URLs of WeChat's API under <c>WeChat:ApiBaseUrl</c>.</summary>
public static class WeChatApiUrl
{
    public static Uri For(WeChatOptions options, string pathAndQuery)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(options.ApiBaseUrl.TrimEnd('/') + pathAndQuery);
    }
}

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

[JsonSerializable(typeof(StableTokenRequest))]
[JsonSerializable(typeof(StableTokenResponse))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
internal sealed partial class StableTokenJson : JsonSerializerContext;
