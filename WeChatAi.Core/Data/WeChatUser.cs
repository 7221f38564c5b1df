namespace WeChatAi.Core.Data;

/// <summary>A follower of the official account, identified by its OpenID within one AppId.</summary>
public sealed class WeChatUser
{
    public const int MaxNickname = 64;

    public required string AppId { get; set; }

    public required string OpenId { get; set; }

    public bool Subscribed { get; set; }

    public DateTimeOffset FirstSeenAt { get; set; }

    public DateTimeOffset LastSeenAt { get; set; }

    public DateTimeOffset? UnsubscribedAt { get; set; }

    /// <summary>Blocked by an operator or content safety: the user's messages are not answered.</summary>
    public bool Blocked { get; set; }

    public DateTimeOffset? BlockedAt { get; set; }

    public string? BlockedReason { get; set; }

    /// <summary>The operator's remark for the user: WeChat stopped giving official accounts users' nicknames in 2021.</summary>
    public string? Nickname { get; set; }
}
