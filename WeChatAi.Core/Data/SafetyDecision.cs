namespace WeChatAi.Core.Data;

/// <summary>
/// A content-safety decision on one exchange, kept for audit: a question or answer blocked by a word list or the
/// moderation service, or let through because moderation was unavailable (fail open). Clean texts leave no row.
/// </summary>
public sealed class SafetyDecision
{
    public const int MaxExcerpt = 500;

    public const int MaxRule = 256;

    public long Id { get; set; }

    /// <summary>The exchange it was taken on (<see cref="ChatExchange.SafetyDecisions"/>); at most one per direction.</summary>
    public long ExchangeId { get; set; }

    public required string AppId { get; set; }

    public required string OpenId { get; set; }

    public SafetyDirection Direction { get; set; }

    public SafetySource Source { get; set; }

    /// <summary>False only for a text let through without a verdict (moderation unavailable, failing open).</summary>
    public bool Blocked { get; set; }

    /// <summary>The listed term as written in its list, the flagged categories (comma-separated), or <c>unavailable</c>.</summary>
    public required string Rule { get; set; }

    /// <summary>The moderation service's highest category score.</summary>
    public double? Score { get; set; }

    /// <summary>Where the term was found in the original text (UTF-16 offsets), for a word-list match.</summary>
    public int? SpanStart { get; set; }

    public int? SpanLength { get; set; }

    /// <summary>The text that matched, as the user or the model wrote it (at most <see cref="MaxExcerpt"/> characters).</summary>
    public string? Excerpt { get; set; }

    public DateTimeOffset DecidedAt { get; set; }
}

public enum SafetyDirection
{
    Question,
    Answer,
}

public enum SafetySource
{
    WordList,
    Moderation,
}
