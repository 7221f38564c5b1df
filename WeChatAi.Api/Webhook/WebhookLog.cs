using WeChatAi.Api.Admission;
using WeChatAi.Core.Replies;

namespace WeChatAi.Api.Webhook;

/// <summary>
/// The webhook's log lines. Per-request lines are Debug so the hot path costs nothing at Information, and none
/// carries a token, key, signature or message content.
/// </summary>
internal static partial class WebhookLog
{
    [LoggerMessage(1, LogLevel.Warning, "The WeChat webhook is off: WeChat:Token is not configured, so /wechat answers 503. Everything else runs.")]
    public static partial void WebhookDisabled(ILogger logger);

    [LoggerMessage(2, LogLevel.Information, "The WeChat webhook is on for AppId {AppId}; safe mode {SafeMode}, reply mode {ReplyMode}.")]
    public static partial void WebhookEnabled(ILogger logger, string appId, string safeMode, ReplyMode replyMode);

    [LoggerMessage(3, LogLevel.Debug, "Rejected a WeChat request with {StatusCode}: {Reason}")]
    public static partial void Rejected(ILogger logger, int statusCode, string reason);

    [LoggerMessage(4, LogLevel.Debug, "Message {MsgId}: {Outcome}, duplicate {IsDuplicate}.")]
    public static partial void MessageHandled(ILogger logger, long msgId, AdmissionOutcome outcome, bool isDuplicate);

    [LoggerMessage(5, LogLevel.Warning, "Could not record a {Event} event in the database; the user still gets the usual reply.")]
    public static partial void UserUpdateFailed(ILogger logger, Exception exception, string @event);

    [LoggerMessage(6, LogLevel.Warning, "Redis did not answer in time ({Failure}): answered 503.")]
    public static partial void RedisUnavailable(ILogger logger, string failure);

    [LoggerMessage(7, LogLevel.Warning, "Refused a plaintext WeChat push with 401: WeChat:EncodingAESKey is set, so only safe-mode pushes (encrypt_type=aes and msg_signature) are accepted. While switching the account to safe mode in WeChat's console, set WeChat:AcceptPlaintext=true.")]
    public static partial void PlaintextRefused(ILogger logger);

    [LoggerMessage(8, LogLevel.Warning, "WeChat:AcceptPlaintext is on: plaintext pushes are accepted although WeChat:EncodingAESKey is set. Turn it off once WeChat's console is in safe mode.")]
    public static partial void AcceptingPlaintext(ILogger logger);

    [LoggerMessage(9, LogLevel.Warning, "Refused a plaintext WeChat push with 401: its signed query string already came with a different body.")]
    public static partial void SignedQueryReused(ILogger logger);
}
