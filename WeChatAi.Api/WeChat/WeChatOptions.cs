using WeChatAi.Core.Queue;

namespace WeChatAi.Api.WeChat;

/// <summary>The official account's webhook settings (section <c>WeChat</c>), from the admin console's server configuration.</summary>
public sealed class WeChatOptions
{
    public const string SectionName = "WeChat";

    /// <summary>Shared secret for request signatures. Absent on a fresh machine: the webhook is then off (503).</summary>
    public string? Token { get; set; }

    public string? AppId { get; set; }

    /// <summary>Used by the worker to call the WeChat API; the webhook never needs it.</summary>
    public string? AppSecret { get; set; }

    /// <summary>Safe-mode key (43 characters). Without it, encrypted requests are refused.</summary>
    public string? EncodingAESKey { get; set; }

    /// <summary>The key before the last rotation, so messages WeChat encrypted with it still decrypt.</summary>
    public string? PreviousEncodingAESKey { get; set; }

    /// <summary>How far a request timestamp may be from now before it is replayed traffic; 0 disables the check.</summary>
    public int TimestampToleranceSeconds { get; set; } = 300;

    public WeChatReplyMode ReplyMode { get; set; } = WeChatReplyMode.Push;

    /// <summary>Passive reply while the answer is computed; empty means reply <c>success</c> (show nothing).</summary>
    public string AckText { get; set; } = "正在思考中...";

    public string WelcomeText { get; set; } = "感谢关注！直接发送文字或语音提问，我会尽快为你解答。";

    /// <summary>Passive mode: the reply when the answer missed WeChat's last attempt; it comes with the next message.</summary>
    public string PassiveLateText { get; set; } = "回答还在生成中，请稍后发送任意消息查看。";

    /// <summary>How long answer parts wait for the user's next message (the worker reads the same setting).</summary>
    public int PendingTtlHours { get; set; } = PassiveReplyKeys.DefaultPendingTtlHours;

    public bool IsConfigured => !string.IsNullOrEmpty(Token);
}

public enum WeChatReplyMode
{
    /// <summary>Acknowledge at once; the worker pushes the answer through the customer-service message API.</summary>
    Push,

    /// <summary>
    /// For accounts without customer-service permission: WeChat's request is held (up to 4.5 s per attempt, three
    /// attempts) until the worker's answer is ready, and the answer is the passive reply.
    /// </summary>
    Passive,
}

/// <summary>Per-user limits (section <c>RateLimits</c>), shared by all replicas through Redis.</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary>Messages per minute a user's bucket refills with.</summary>
    public int PerUserPerMinute { get; set; } = 10;

    /// <summary>Messages a user may send back to back before the refill rate applies.</summary>
    public int PerUserBurst { get; set; } = 5;
}
