using WeChatAi.Core.WeChat;
using WeChatAi.Core.WeChatApi;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;

namespace WeChatAi.Worker.Delivery;

/// <summary>The calls of WeChat's server API the worker makes: customer-service text messages and typing (tokens come from Core's <c>AccessTokenProvider</c>).</summary>
internal sealed class WeChatApiClient(HttpClient http, IOptions<WeChatOptions> options)
{
    public const string HttpClientName = "wechat-api";

    /// <summary><c>POST /cgi-bin/message/custom/send</c>; returns WeChat's errcode (0: sent). Throws on transport failures.</summary>
    public Task<WeChatResult> SendTextAsync(string accessToken, string openId, string content, CancellationToken cancellationToken) =>
        PostAsync("/cgi-bin/message/custom/send", accessToken, new CustomTextMessage(openId, "text", new TextContent(content)), WeChatJson.Default.CustomTextMessage, cancellationToken);

    /// <summary><c>POST /cgi-bin/message/custom/typing</c> with <c>Typing</c>; returns WeChat's errcode.</summary>
    public Task<WeChatResult> TypingAsync(string accessToken, string openId, CancellationToken cancellationToken) =>
        PostAsync("/cgi-bin/message/custom/typing", accessToken, new TypingCommand(openId, "Typing"), WeChatJson.Default.TypingCommand, cancellationToken);

    private async Task<WeChatResult> PostAsync<T>(string path, string accessToken, T request, JsonTypeInfo<T> json, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(Url($"{path}?access_token={Uri.EscapeDataString(accessToken)}"), request, json, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync(WeChatJson.Default.WeChatResult, cancellationToken) ?? new WeChatResult(-1, "empty response");
    }

    private Uri Url(string pathAndQuery) => WeChatApiUrl.For(options.Value, pathAndQuery);
}

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

[JsonSerializable(typeof(CustomTextMessage))]
[JsonSerializable(typeof(WeChatResult))]
[JsonSerializable(typeof(TypingCommand))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
internal sealed partial class WeChatJson : JsonSerializerContext;
