using System.Text.Json;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Settings;

namespace WeChatAi.Api.Settings;

/// <summary>
/// An operator's change, read from <c>PUT /api/admin/settings</c>: each named setting to a new value or (null) back to
/// the configured one, and the product list to a new one, or (<c>values["Billing:Products"]: null</c>) back to the configured one.
/// </summary>
internal sealed record SettingsChange(IReadOnlyDictionary<string, string?> Values, IReadOnlyList<ProductOptions>? Products, bool ResetProducts)
{
    public static (SettingsChange? Change, Dictionary<string, string[]> Errors) From(SettingsUpdate update)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var errors = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        var reset = false;
        foreach (var (key, value) in update.Values ?? [])
        {
            if (string.Equals(key, AccountSettingsCatalog.ProductsKey, StringComparison.OrdinalIgnoreCase))
            {
                reset = value.ValueKind == JsonValueKind.Null;
                if (!reset)
                {
                    errors[AccountSettingsCatalog.ProductsKey] = ["Billing:Products is changed with \"products\"; in \"values\" it can only be null (back to the configured products)."];
                }
            }
            else if (AccountSettingsCatalog.Find(key) is not { } setting)
            {
                errors[key] = [$"{key} is not an editable setting; these are: {string.Join(", ", AccountSettingsCatalog.Settings.Select(s => s.Key))}, {AccountSettingsCatalog.ProductsKey}."];
            }
            else if (value.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null)
            {
                values[setting.Key] = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Number => value.GetRawText(),
                    _ => null,
                };
            }
            else
            {
                errors[setting.Key] = [$"{setting.Key} must be a string, a number or null (back to the configured value)."];
            }
        }

        if (reset && update.Products is not null)
        {
            errors[AccountSettingsCatalog.ProductsKey] = ["Billing:Products cannot be reset and replaced at once."];
        }

        return errors.Count > 0 ? (null, errors) : (new SettingsChange(values, update.Products, reset), errors);
    }
}

/// <summary>The body of <c>PUT /api/admin/settings</c>.</summary>
internal sealed record SettingsUpdate(Dictionary<string, JsonElement>? Values, List<ProductOptions>? Products);
