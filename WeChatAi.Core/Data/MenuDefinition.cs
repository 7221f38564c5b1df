namespace WeChatAi.Core.Data;

/// <summary>The account's custom menu as the operator saved it: WeChat's <c>menu/create</c> JSON, kept as one row.</summary>
public sealed class MenuDefinition
{
    /// <summary>The only row's id: one deployment serves one official account.</summary>
    public const int CurrentId = 1;

    public int Id { get; set; } = CurrentId;

    /// <summary>The body of <c>/cgi-bin/menu/create</c> (<c>{"button":[…]}</c>), validated before it is stored.</summary>
    public required string Json { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>When WeChat last accepted it; null while the saved menu was never published.</summary>
    public DateTimeOffset? PublishedAt { get; set; }
}
