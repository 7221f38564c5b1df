using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Compliance;
using WeChatAi.Core.Handoff;
using WeChatAi.Core.Safety;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Core.Settings;

/// <summary>
/// The options classes that hold the editable settings, bound from one configuration (a service's own, or a candidate
/// with an operator's change), and their validation with the rules the services start with.
/// </summary>
public sealed class BoundSettings
{
    private BoundSettings(WeChatOptions weChat, BillingOptions billing, ComplianceOptions compliance, SafetyTextOptions safety, HandoffOptions handoff)
    {
        WeChat = weChat;
        Billing = billing;
        Compliance = compliance;
        Safety = safety;
        Handoff = handoff;
    }

    /// <summary>The options classes' own defaults: the value of a setting nothing configures.</summary>
    public static BoundSettings Defaults { get; } = new(new WeChatOptions(), new BillingOptions(), new ComplianceOptions(), new SafetyTextOptions(), new HandoffOptions());

    public WeChatOptions WeChat { get; }

    public BillingOptions Billing { get; }

    public ComplianceOptions Compliance { get; }

    public SafetyTextOptions Safety { get; }

    public HandoffOptions Handoff { get; }

    /// <summary>
    /// Binds and validates: the errors are keyed by the setting they name (an editable one when it is that one), each
    /// with its messages; empty when every rule holds.
    /// </summary>
    public static (BoundSettings? Settings, Dictionary<string, string[]> Errors) Validate(IConfiguration configuration, IReadOnlyList<ProductOptions>? products)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var errors = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var weChat = Bind<WeChatOptions>(configuration, WeChatOptions.Section, errors);
        var billing = Bind<BillingOptions>(configuration, BillingOptions.Section, errors);
        var compliance = Bind<ComplianceOptions>(configuration, ComplianceOptions.Section, errors);
        var safety = Bind<SafetyTextOptions>(configuration, SafetyTextOptions.Section, errors);
        var handoff = Bind<HandoffOptions>(configuration, HandoffOptions.Section, errors);
        if (weChat is null || billing is null || compliance is null || safety is null || handoff is null)
        {
            return (null, Close(errors));
        }

        ProductsOverride.Apply(billing, products);
        Check(weChat, WeChatOptions.Section, errors);
        Check(billing, BillingOptions.Section, errors);
        Check(compliance, ComplianceOptions.Section, errors);
        Check(safety, SafetyTextOptions.Section, errors);
        Check(handoff, HandoffOptions.Section, errors);
        if (!compliance.LabelFits(weChat.MaxMessageBytes))
        {
            Add(errors, ComplianceOptions.LabelTooLong, ComplianceOptions.Section);
        }

        return errors.Count == 0 ? (new BoundSettings(weChat, billing, compliance, safety, handoff), []) : (null, Close(errors));
    }

    /// <summary>
    /// The settings with <paramref name="overrides"/> on <paramref name="configuration"/>, leaving out any override that
    /// breaks a rule there (<see cref="ResolvedSettings.Dropped"/> says which and why).
    /// </summary>
    public static ResolvedSettings Resolve(IConfiguration configuration, AccountOverrides overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var (settings, errors) = ValidateWith(configuration, overrides);
        if (settings is not null)
        {
            return new ResolvedSettings(settings, overrides, errors);
        }

        var kept = overrides.Without(errors.Keys);
        var (fallback, remaining) = ValidateWith(configuration, kept);
        return fallback is not null
            ? new ResolvedSettings(fallback, kept, errors)
            : throw new InvalidOperationException($"The configured settings are not valid: {string.Join(" ", remaining.SelectMany(e => e.Value))}");
    }

    private static (BoundSettings? Settings, Dictionary<string, string[]> Errors) ValidateWith(IConfiguration configuration, AccountOverrides overrides)
    {
        using var candidate = overrides.Apply(configuration);
        return Validate(candidate, overrides.Products);
    }

    private static T? Bind<T>(IConfiguration configuration, string section, Dictionary<string, List<string>> errors) where T : class, new()
    {
        try
        {
            return configuration.GetSection(section).Get<T>() ?? new T();
        }
        catch (InvalidOperationException ex)
        {
            // A value of the wrong type ("abc" for a number): the binder names the key in its message.
            Add(errors, $"{AccountSettingsCatalog.Named(ex.Message) ?? section} has a value of the wrong type ({ex.Message})", section);
            return null;
        }
    }

    private static void Check(object options, string section, Dictionary<string, List<string>> errors)
    {
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            return;
        }

        foreach (var result in results)
        {
            Add(errors, result.ErrorMessage ?? $"{section} is not valid.", section);
        }
    }

    private static void Add(Dictionary<string, List<string>> errors, string message, string section)
    {
        var key = AccountSettingsCatalog.Named(message) ?? section;
        if (!errors.TryGetValue(key, out var messages))
        {
            errors[key] = messages = [];
        }

        messages.Add(message);
    }

    private static Dictionary<string, string[]> Close(Dictionary<string, List<string>> errors) =>
        errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.OrdinalIgnoreCase);
}

/// <summary>The settings in force, the overrides they include, and the overrides left out with their problems.</summary>
public sealed record ResolvedSettings(BoundSettings Settings, AccountOverrides Applied, Dictionary<string, string[]> Dropped);
