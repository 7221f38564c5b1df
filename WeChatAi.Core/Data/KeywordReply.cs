namespace WeChatAi.Core.Data;

/// <summary>How a <see cref="KeywordReply"/>'s pattern is compared with the user's message (trimmed).</summary>
public enum KeywordMatchType
{
    /// <summary>The whole message equals the pattern (ignoring case).</summary>
    Exact,

    /// <summary>The message starts with the pattern (ignoring case).</summary>
    Prefix,

    /// <summary>The pattern is a .NET regular expression (linear-time engine, with a match timeout).</summary>
    Regex,
}

/// <summary>An operator's rule: a message that matches gets <see cref="Reply"/> at once, without the LLM.</summary>
public sealed class KeywordReply
{
    public long Id { get; set; }

    public KeywordMatchType MatchType { get; set; }

    public required string Pattern { get; set; }

    public required string Reply { get; set; }

    /// <summary>Higher first; among equals, the older rule (lower id) wins.</summary>
    public int Priority { get; set; }

    public bool Enabled { get; set; } = true;

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>The sizes a keyword rule may have (the database's column and the admin API's checks).</summary>
public static class KeywordReplyLimits
{
    public const int MaxPatternLength = 200;
}
