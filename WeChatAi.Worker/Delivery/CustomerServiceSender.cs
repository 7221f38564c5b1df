using WeChatAi.Worker.Common;
using WeChatAi.Core.WeChat;
using WeChatAi.Core.WeChatApi;

namespace WeChatAi.Worker.Delivery;

/// <summary>Sends one text message with the shared access token, renewing it when WeChat rejects it.</summary>
internal sealed class CustomerServiceSender(WeChatApiClient api, AccessTokenProvider tokens, WorkerMetrics metrics, ServiceCallStats calls)
{
    private const int TokenRetries = 2;

    /// <summary>The access token to send with, fetched before a part is claimed so the claim is the last step before the wire.</summary>
    public Task<string> GetTokenAsync(CancellationToken cancellationToken) => tokens.GetAsync(cancellationToken);

    /// <summary>The token held in memory (null when it must be fetched): what a part claimed along with other writes is sent with.</summary>
    public string? CachedToken => tokens.Cached;

    /// <summary>Returns WeChat's answer (errcode 0: delivered); throws when it is unknown whether WeChat got it.</summary>
    public async Task<WeChatResult> SendTextAsync(string openId, string content, CancellationToken cancellationToken) =>
        await SendTextAsync(await tokens.GetAsync(cancellationToken), openId, content, cancellationToken);

    /// <inheritdoc cref="SendTextAsync(string, string, CancellationToken)"/>
    public async Task<WeChatResult> SendTextAsync(string token, string openId, string content, CancellationToken cancellationToken)
    {
        try
        {
            var result = await SendWithTokenRenewalAsync(token, openId, content, cancellationToken);
            calls.WeChatApiCall(failed: !IsNormalOutcome(result.ErrCode));
            return result;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            calls.WeChatApiCall(failed: true);
            throw;
        }
    }

    /// <summary>
    /// Sent, or refused by WeChat's limits on this user (the 48-hour window, the message budget): the part waits for
    /// the user's next message, nothing is wrong with the service. Anything else counts as a failed call.
    /// </summary>
    private static bool IsNormalOutcome(int errCode) =>
        errCode is WeChatErrorCodes.Ok or WeChatErrorCodes.ReplyTimeLimitExceeded or WeChatErrorCodes.TooManyMessages;

    private async Task<WeChatResult> SendWithTokenRenewalAsync(string token, string openId, string content, CancellationToken cancellationToken)
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
