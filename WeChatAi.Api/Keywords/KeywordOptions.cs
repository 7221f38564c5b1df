using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Api.Keywords;

/// <summary>Keyword replies (section <c>Keywords</c>); the rules themselves live in PostgreSQL <c>keyword_replies</c>.</summary>
public sealed class KeywordOptions
{
    public const string Section = "Keywords";

    /// <summary>
    /// The most one regular-expression rule may spend on one message before it counts as no match. Patterns run on
    /// .NET's linear-time engine, so this is a backstop, not the only defence.
    /// </summary>
    [Range(1, 1_000, ErrorMessage = "Keywords:RegexTimeoutMilliseconds must be between 1 and 1000.")]
    public int RegexTimeoutMilliseconds { get; set; } = 50;

    public TimeSpan RegexTimeout => TimeSpan.FromMilliseconds(RegexTimeoutMilliseconds);
}
