using System.Text.RegularExpressions;
using WeChatAi.Core.Data;

namespace WeChatAi.Api.Keywords;

/// <summary>A rule ready to match: its regular expression, if any, compiled once.</summary>
internal sealed record CompiledKeywordRule(long Id, KeywordMatchType MatchType, string Pattern, string Reply, Regex? Regex)
{
    public static CompiledKeywordRule From(KeywordReply rule, TimeSpan regexTimeout) => new(
        rule.Id,
        rule.MatchType,
        rule.Pattern,
        rule.Reply,
        rule.MatchType == KeywordMatchType.Regex ? KeywordPatterns.Compile(rule.Pattern, regexTimeout) : null);

    /// <exception cref="RegexMatchTimeoutException">The regular expression ran out of time.</exception>
    public bool Matches(string text) => MatchType switch
    {
        KeywordMatchType.Exact => text.Equals(Pattern, StringComparison.OrdinalIgnoreCase),
        KeywordMatchType.Prefix => text.StartsWith(Pattern, StringComparison.OrdinalIgnoreCase),
        _ => Regex!.IsMatch(text),
    };
}

/// <summary>Compiling and checking patterns, the same way on save and on load.</summary>
internal static class KeywordPatterns
{
    /// <summary>
    /// The linear-time engine: a pattern like <c>(a+)+$</c> cannot backtrack catastrophically, and the timeout still
    /// bounds one match. It refuses backreferences, lookarounds and atomic groups, which the save reports.
    /// </summary>
    public static Regex Compile(string pattern, TimeSpan timeout) =>
        new(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, timeout);

    /// <summary>Why <paramref name="pattern"/> cannot be a regex rule, or null when it can.</summary>
    public static string? RegexProblem(string pattern, TimeSpan timeout)
    {
        try
        {
            _ = Compile(pattern, timeout);
            return null;
        }
        catch (NotSupportedException ex)
        {
            return $"pattern uses a construct the linear-time regex engine does not support (backreferences, lookarounds, atomic groups): {ex.Message}";
        }
        catch (ArgumentException ex)
        {
            return $"pattern is not a valid regular expression: {ex.Message}";
        }
    }
}
