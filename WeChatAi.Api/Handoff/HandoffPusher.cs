using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using WeChatAi.Core.Replies;
using WeChatAi.Core.WeChat;
using WeChatAi.Core.WeChatApi;

namespace WeChatAi.Api.Handoff;

/// <summary>What became of an operator's text: sent, refused by the budget or by WeChat (errcode), or unknown (no answer).</summary>
internal readonly record struct PushResult(int ErrCode, string? ErrMsg, bool Unknown = false)
{
    public bool Sent => ErrCode == WeChatErrorCodes.Ok && !Unknown;

    /// <summary>WeChat's rules on this user (the 48-hour window, the quota): the operator can only wait for the user.</summary>
    public bool OutOfWindowOrQuota => ErrCode is WeChatErrorCodes.ReplyTimeLimitExceeded or WeChatErrorCodes.TooManyMessages;
}

/// <summary>
/// Pushes an operator's text through the customer-service API, from the API itself: the operator waits for WeChat's
/// answer, so a refusal (45015, 45047) is shown at once, which a queue through the worker would need a way back for.
/// The user's budget (<see cref="MessageBudget"/>, shared with the worker's answers) is taken first; WeChat's own
/// refusal empties it as the worker does.
/// </summary>
internal sealed class HandoffPusher(HttpClient http, AccessTokenProvider tokens, MessageBudget budget, IOptions<WeChatOptions> options)
{
    public async Task<PushResult> PushAsync(string appId, string openId, string text, CancellationToken cancellationToken)
    {
        if (!await budget.TryConsumeAsync(appId, openId).ConfigureAwait(false))
        {
            // No message left (or no budget at all: the user's last message is older than the window). WeChat would say the same.
            return new PushResult(WeChatErrorCodes.TooManyMessages, "no customer-service message left for this user (WeChat:MessageBudget)");
        }

        PushResult result;
        try
        {
            var token = await tokens.GetAsync(cancellationToken).ConfigureAwait(false);
            result = await SendAsync(token, openId, text, cancellationToken).ConfigureAwait(false);
            if (WeChatErrorCodes.IsTokenError(result.ErrCode) && options.Value.IsApiConfigured)
            {
                token = await tokens.RenewAsync(token, cancellationToken).ConfigureAwait(false);
                result = await SendAsync(token, openId, text, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            // WeChat may have it: the message counts as sent for the budget, and is never sent again under its key.
            return new PushResult(-1, ex.GetType().Name, Unknown: true);
        }

        if (result.OutOfWindowOrQuota)
        {
            await budget.ExhaustAsync(appId, openId).ConfigureAwait(false);
        }
        else if (!result.Sent)
        {
            await budget.RefundAsync(appId, openId).ConfigureAwait(false);
        }

        return result;
    }

    private async Task<PushResult> SendAsync(string token, string openId, string text, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(
            WeChatApiUrl.For(options.Value, $"/cgi-bin/message/custom/send?access_token={Uri.EscapeDataString(token)}"),
            new CustomText(openId, "text", new TextBody(text)), HandoffPushJson.Default.CustomText, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var answer = await response.Content.ReadFromJsonAsync(HandoffPushJson.Default.WeChatAnswer, cancellationToken).ConfigureAwait(false);
        return answer is null ? new PushResult(-1, "empty response") : new PushResult(answer.ErrCode, answer.ErrMsg);
    }
}

internal sealed record CustomText([property: JsonPropertyName("touser")] string ToUser, [property: JsonPropertyName("msgtype")] string MsgType, [property: JsonPropertyName("text")] TextBody Text);

internal sealed record TextBody([property: JsonPropertyName("content")] string Content);

internal sealed record WeChatAnswer([property: JsonPropertyName("errcode")] int ErrCode, [property: JsonPropertyName("errmsg")] string? ErrMsg);

[JsonSerializable(typeof(CustomText))]
[JsonSerializable(typeof(WeChatAnswer))]
internal sealed partial class HandoffPushJson : JsonSerializerContext;
