namespace WeChatAi.Admin.Api;

/// <summary>
/// The keyword dialog's form, with the defaults of a new rule; sent as the contract's <see cref="KeywordRuleRequest"/>
/// (POST and PUT, PUT replaces every field). <see cref="MatchType"/> is <c>exact</c>, <c>prefix</c> or <c>regex</c>.
/// </summary>
public sealed class KeywordRuleInput
{
    public string MatchType { get; set; } = "exact";

    public string Pattern { get; set; } = string.Empty;

    public string Reply { get; set; } = string.Empty;

    public int Priority { get; set; }

    public bool Enabled { get; set; } = true;

    public static KeywordRuleInput From(KeywordRuleView rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return new() { MatchType = rule.MatchType, Pattern = rule.Pattern, Reply = rule.Reply, Priority = rule.Priority, Enabled = rule.Enabled };
    }

    public KeywordRuleRequest ToRequest() => new() { MatchType = MatchType, Pattern = Pattern, Reply = Reply, Priority = Priority, Enabled = Enabled };
}
