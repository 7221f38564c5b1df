namespace WeChatAi.Core.Data.Handoff;

/// <summary>A user handed to a person: open while <see cref="ClosedAt"/> is null (one open session per user).</summary>
public sealed class HandoffSession
{
    public const int MaxName = 64;
    public const int MaxPreview = 100;

    public long Id { get; set; }

    public required string AppId { get; set; }

    public required string OpenId { get; set; }

    public DateTimeOffset OpenedAt { get; set; }

    /// <summary>The operator who took the user over from the console; null when the user asked.</summary>
    public string? OpenedBy { get; set; }

    /// <summary>The operator answering the session; null until one takes it.</summary>
    public string? Assignee { get; set; }

    /// <summary>The last operator action (take, reply), or the opening: the idle hand-back counts from it.</summary>
    public DateTimeOffset LastActivityAt { get; set; }

    public DateTimeOffset? FirstReplyAt { get; set; }

    /// <summary>The user's messages since the operator's last reply.</summary>
    public int Unread { get; set; }

    /// <summary>The last message's first characters (for the console's list; never logged).</summary>
    public string? LastPreview { get; set; }

    public DateTimeOffset? LastMessageAt { get; set; }

    /// <summary>When <c>Handoff:NotifyWebhookUrl</c> was told the user is waiting (once per session).</summary>
    public DateTimeOffset? NotifiedAt { get; set; }

    public DateTimeOffset? ClosedAt { get; set; }

    /// <summary>The operator who handed the user back; null for the idle hand-back.</summary>
    public string? ClosedBy { get; set; }

    /// <summary><c>operator</c> or <c>idle</c>.</summary>
    public string? CloseReason { get; set; }
}
