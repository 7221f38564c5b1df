using WeChatAi.Core.Billing;
using WeChatAi.Core.Compliance;
using WeChatAi.Core.Handoff;
using WeChatAi.Core.Safety;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Core.Settings;

/// <summary>
/// The settings an operator may change while the services run (the console's settings page, <c>/api/admin/settings</c>):
/// the one list of them. Each one's limits are the validation attributes on its options property (and its class's
/// <c>Validate</c>), so a change is checked by the same rules a service starts with; anything else in
/// <c>account_settings</c> is ignored.
/// </summary>
public static class AccountSettingsCatalog
{
    /// <summary>The credit packs: one JSON array that replaces <c>Billing:Products</c> as a whole (<see cref="ProductsOverride"/>).</summary>
    public const string ProductsKey = "Billing:Products";

    public static IReadOnlyList<EditableSetting> Settings { get; } =
    [
        new($"{WeChatOptions.Section}:{nameof(WeChatOptions.AckText)}", s => s.WeChat.AckText),
        new($"{WeChatOptions.Section}:{nameof(WeChatOptions.WelcomeText)}", s => s.WeChat.WelcomeText),
        new($"{WeChatOptions.Section}:{nameof(WeChatOptions.PassiveLateText)}", s => s.WeChat.PassiveLateText),
        new($"{WeChatOptions.Section}:{nameof(WeChatOptions.BlockedUserText)}", s => s.WeChat.BlockedUserText),
        new($"{SafetyTextOptions.Section}:{nameof(SafetyTextOptions.BlockedQuestionText)}", s => s.Safety.BlockedQuestionText),
        new($"{SafetyTextOptions.Section}:{nameof(SafetyTextOptions.BlockedAnswerText)}", s => s.Safety.BlockedAnswerText),
        new($"{ComplianceOptions.Section}:{nameof(ComplianceOptions.AiLabel)}", s => s.Compliance.AiLabel),
        new($"{ComplianceOptions.Section}:{nameof(ComplianceOptions.ModelName)}", s => s.Compliance.ModelName),
        new($"{ComplianceOptions.Section}:{nameof(ComplianceOptions.FilingNumber)}", s => s.Compliance.FilingNumber),
        new($"{ComplianceOptions.Section}:{nameof(ComplianceOptions.UserAgreementUrl)}", s => s.Compliance.UserAgreementUrl),
        new($"{BillingOptions.Section}:{nameof(BillingOptions.OverQuotaText)}", s => s.Billing.OverQuotaText),
        new($"{BillingOptions.Section}:{nameof(BillingOptions.FreeDailyMessages)}", s => s.Billing.FreeDailyMessages.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new($"{HandoffOptions.Section}:{nameof(HandoffOptions.StartText)}", s => s.Handoff.StartText),
        new($"{HandoffOptions.Section}:{nameof(HandoffOptions.WaitingText)}", s => s.Handoff.WaitingText),
        new($"{HandoffOptions.Section}:{nameof(HandoffOptions.EndText)}", s => s.Handoff.EndText),
        new($"{HandoffOptions.Section}:{nameof(HandoffOptions.IdleText)}", s => s.Handoff.IdleText),
        new($"{HandoffOptions.Section}:{nameof(HandoffOptions.ClosedText)}", s => s.Handoff.ClosedText),
        new($"{HandoffOptions.Section}:{nameof(HandoffOptions.UnavailableText)}", s => s.Handoff.UnavailableText),
    ];

    /// <summary>The editable setting named <paramref name="key"/> (configuration keys ignore case), or null.</summary>
    public static EditableSetting? Find(string key) =>
        Settings.FirstOrDefault(s => string.Equals(s.Key, key, StringComparison.OrdinalIgnoreCase));

    /// <summary>The editable setting (or <see cref="ProductsKey"/>) a validation message is about: the first one it names.</summary>
    internal static string? Named(string message) =>
        Settings.Select(s => s.Key).Append(ProductsKey)
            .Select(key => (Key: key, At: message.IndexOf(key, StringComparison.OrdinalIgnoreCase)))
            .Where(match => match.At >= 0)
            .OrderBy(match => match.At).ThenByDescending(match => match.Key.Length)
            .Select(match => match.Key)
            .FirstOrDefault();
}

/// <summary>One editable setting: its configuration key and how to read its value from the bound options.</summary>
public sealed record EditableSetting(string Key, Func<BoundSettings, string?> Read);
