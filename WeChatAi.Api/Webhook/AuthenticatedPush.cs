using WeChatAi.Api.Admission;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Api.Webhook;

/// <summary>
/// A push <see cref="WebhookAuthentication"/> let through (a request feature): its message, the signed-query check a
/// plaintext push still owes (one body per signed query, run by <see cref="WebhookDispatch"/>), and how to seal the
/// reply in the push's mode.
/// </summary>
internal sealed class AuthenticatedPush(WeChatInbound inbound, SignedQueryCheck? signedQuery, SafeModeReply? safeMode)
{
    public WeChatInbound Inbound => inbound;

    /// <summary>Plaintext only; null for a safe-mode push, whose <c>msg_signature</c> covers the body.</summary>
    public SignedQueryCheck? SignedQuery => signedQuery;

    /// <summary>The passive reply's XML as WeChat expects it: encrypted for a safe-mode push.</summary>
    public string Seal(string reply) => safeMode is { } safe ? safe.Crypto.BuildEncryptedReply(reply, safe.Token, safe.Timestamp, safe.Nonce) : reply;
}

/// <summary>
/// What encrypts a safe-mode reply. Echoing the request's timestamp and nonce is what WeChat's own samples do; both are
/// already validated.
/// </summary>
internal readonly record struct SafeModeReply(WeChatMessageCrypto Crypto, string Token, string Timestamp, string Nonce);
