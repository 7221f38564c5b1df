namespace WeChatAi.Core.WeChatApi;

/// <summary>
/// Redis keys of the account's shared access token. Per account: one Redis may serve several. One hash tag per account:
/// the lock's release script touches them together, so they share a cluster slot.
/// </summary>
public static class AccessTokenKeys
{
    /// <summary>The shared access token of the account.</summary>
    public static string AccessToken(string appId) => $"wechatai:{{token:{appId}}}";

    /// <summary>Held by the one instance fetching a token.</summary>
    public static string AccessTokenLock(string appId) => $"wechatai:{{token:{appId}}}:lock";

    /// <summary>Exists for 30 s after a forced refresh: at most one per interval across the cluster.</summary>
    public static string AccessTokenForced(string appId) => $"wechatai:{{token:{appId}}}:forced";
}
