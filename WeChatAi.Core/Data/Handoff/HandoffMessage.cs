namespace WeChatAi.Core.Data.Handoff;

/// <summary>A message of a handoff session: the user's (never sent to the LLM) or an operator's reply.</summary>
public sealed class HandoffMessage
{
    public const int MaxText = 2048;
    public const int MaxKey = 128;

    public long Id { get; set; }

    public long SessionId { get; set; }

    public required string AppId { get; set; }

    public required string OpenId { get; set; }

    /// <summary>Unique per account: a user message's job id (WeChat's retries), <c>op:{idempotencyKey}</c> for an operator's.</summary>
    public required string Key { get; set; }

    /// <summary>The operator who wrote it; null for the user's.</summary>
    public string? Operator { get; set; }

    public required string Text { get; set; }

    /// <summary><c>image</c> or <c>voice</c> for such a user message (<see cref="Text"/> is then its placeholder); <c>menu</c> for a menu click (<see cref="Text"/> is its key).</summary>
    public string? Media { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>An operator's reply: <see cref="HandoffDelivery"/>; null for the user's.</summary>
    public HandoffDelivery? Delivery { get; set; }

    /// <summary>WeChat's errcode when it refused the reply.</summary>
    public int? ErrCode { get; set; }
}

public enum HandoffDelivery
{
    /// <summary>Claimed by a request that is pushing it (or died doing so: the worker's sweep makes it <see cref="Unknown"/>).</summary>
    Sending,
    Sent,
    Refused,

    /// <summary>
    /// WeChat gave no answer (or the request died mid-push): the user may have it. Never pushed again under its key; the
    /// operator decides whether to send it again with a new one.
    /// </summary>
    Unknown,
}
