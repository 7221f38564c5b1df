using WeChatAi.Worker.Common;
using WeChatAi.Core.WeChat;
using WeChatAi.Core.WeChatApi;

namespace WeChatAi.Worker.Delivery;

/// <summary>Sends one text message with the shared access token, renewing it when WeChat rejects it.</summary>
internal sealed class CustomerServiceSender(WeChatApiClient api, AccessTokenProvider tokens, WorkerMetrics metrics)
{
    private const int TokenRetries = 2;

    /// <summary>The access token to send with, fetched before a part is claimed so the claim is the last step before the wire.</summary>
    public Task<string> GetTokenAsync(CancellationToken cancellationToken) => tokens.GetAsync(cancellationToken);

    /// <summary>Returns WeChat's answer (errcode 0: delivered); throws when it is unknown whether WeChat got it.</summary>
    public async Task<WeChatResult> SendTextAsync(string openId, string content, CancellationToken cancellationToken) =>
        await SendTextAsync(await tokens.GetAsync(cancellationToken), openId, content, cancellationToken);

    /// <inheritdoc cref="SendTextAsync(string, string, CancellationToken)"/>
    public async Task<WeChatResult> SendTextAsync(string token, string openId, string content, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var result = await api.SendTextAsync(token, openId, content, cancellationToken);
            if (result.ErrCode != 0)
            {
                metrics.PushError(result.ErrCode);
            }

            if (WeChatErrorCodes.IsTokenError(result.ErrCode) && attempt < TokenRetries)
            {
                token = await tokens.RenewAsync(token, cancellationToken);
                continue;
            }

            return result;
        }
    }
}
