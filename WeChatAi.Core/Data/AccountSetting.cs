namespace WeChatAi.Core.Data;

/// <summary>
/// An operator's override of one editable setting (<see cref="Settings.AccountSettingsCatalog"/>), made in the console and
/// live in every service within about a second; without a row the configured value applies.
/// </summary>
public sealed class AccountSetting
{
    public const int MaxKeyLength = 128;

    /// <summary>The configuration key, e.g. <c>WeChat:AckText</c>.</summary>
    public required string Key { get; set; }

    /// <summary>The value as configuration holds it (the products: one JSON array).</summary>
    public required string Value { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The operator who saved it (the console's signed-in name, or <c>api-key</c>).</summary>
    public required string UpdatedBy { get; set; }
}
