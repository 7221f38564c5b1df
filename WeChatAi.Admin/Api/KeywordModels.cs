namespace WeChatAi.Admin.Api;

/// <summary>A keyword rule of <c>/api/admin/keywords</c>: a matching message gets <see cref="Reply"/> without the LLM.</summary>
public sealed record KeywordRule(long Id, string MatchType, string Pattern, string Reply, int Priority, bool Enabled, DateTimeOffset UpdatedAt);

/// <summary>The body of POST and PUT (PUT replaces every field); <see cref="MatchType"/> is <c>exact</c>, <c>prefix</c> or <c>regex</c>.</summary>
public sealed class KeywordRuleInput
{
    public string MatchType { get; set; } = "exact";

    public string Pattern { get; set; } = string.Empty;

    public string Reply { get; set; } = string.Empty;

    public int Priority { get; set; }

    public bool Enabled { get; set; } = true;

    public static KeywordRuleInput From(KeywordRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return new() { MatchType = rule.MatchType, Pattern = rule.Pattern, Reply = rule.Reply, Priority = rule.Priority, Enabled = rule.Enabled };
    }
}
