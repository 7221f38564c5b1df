using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using WeChatAi.Core.WeChat;
using WeChatAi.Core.WeChatApi;

namespace WeChatAi.Api.Menu;

/// <summary>WeChat's answer to <c>menu/create</c>: errcode 0 is success.</summary>
internal sealed record WeChatApiResult([property: JsonPropertyName("errcode")] int ErrCode, [property: JsonPropertyName("errmsg")] string? ErrMsg);

/// <summary>
/// <c>POST /cgi-bin/menu/create?access_token=</c> with the account's shared access token (Core's
/// <see cref="AccessTokenProvider"/>, the same one the worker pushes with); with the AppSecret, a rejected token is renewed once.
/// </summary>
internal sealed class MenuPublisher(HttpClient http, AccessTokenProvider tokens, IOptions<WeChatOptions> options)
{
    /// <summary>Returns WeChat's answer; throws when WeChat could not be reached or the token could not be had.</summary>
    public async Task<WeChatApiResult> PublishAsync(WeChatMenu menu, CancellationToken cancellationToken)
    {
        var token = await tokens.GetAsync(cancellationToken).ConfigureAwait(false);
        var result = await CreateAsync(token, menu, cancellationToken).ConfigureAwait(false);
        // Only with the AppSecret: a forced refresh this service cannot fetch would hold the worker's own back for the interval.
        if (WeChatErrorCodes.IsTokenError(result.ErrCode) && options.Value.IsApiConfigured)
        {
            token = await tokens.RenewAsync(token, cancellationToken).ConfigureAwait(false);
            result = await CreateAsync(token, menu, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    private async Task<WeChatApiResult> CreateAsync(string token, WeChatMenu menu, CancellationToken cancellationToken)
    {
        using var content = new StringContent(menu.ToJson(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(
            WeChatApiUrl.For(options.Value, $"/cgi-bin/menu/create?access_token={Uri.EscapeDataString(token)}"), content, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync(MenuJson.Default.WeChatApiResult, cancellationToken).ConfigureAwait(false)
            ?? new WeChatApiResult(-1, "empty response");
    }
}

[JsonSerializable(typeof(WeChatApiResult))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class MenuJson : JsonSerializerContext;
