using WeChatAi.Worker.Common;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Worker.Delivery;

/// <summary>Sends one text message with the shared access token, renewing it when WeChat rejects it.</summary>
internal sealed class CustomerServiceSender(WeChatApiClient api, AccessTokenProvider tokens, WorkerMetrics metrics)
{
    private const int TokenRetries = 2;

    /// <summary>Returns WeChat's answer (errcode 0: delivered); throws when it is unknown whether WeChat got it.</summary>
    public async Task<WeChatResult> SendTextAsync(string openId, string content, CancellationToken cancellationToken)
    {
        var token = await tokens.GetAsync(cancellationToken);
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
