using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;

namespace WeChatAi.Core.Settings;

/// <summary>The operator's overrides: editable settings by their catalog key, and the product list (null: none).</summary>
public sealed record AccountOverrides(IReadOnlyDictionary<string, string> Values, IReadOnlyList<ProductOptions>? Products)
{
    public static AccountOverrides None { get; } = new(new Dictionary<string, string>(), null);

    /// <summary>The rows of <c>account_settings</c> that are editable settings; <paramref name="ignored"/> gets the others' keys.</summary>
    public static AccountOverrides From(IEnumerable<AccountSetting> rows, Action<string>? ignored = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        IReadOnlyList<ProductOptions>? products = null;
        foreach (var row in rows)
        {
            if (string.Equals(row.Key, AccountSettingsCatalog.ProductsKey, StringComparison.OrdinalIgnoreCase) && ParseProducts(row.Value) is { } list)
            {
                products = list;
            }
            else if (AccountSettingsCatalog.Find(row.Key) is { } setting)
            {
                values[setting.Key] = row.Value;
            }
            else
            {
                ignored?.Invoke(row.Key);
            }
        }

        return new AccountOverrides(values, products);
    }

    public static string SerializeProducts(IReadOnlyList<ProductOptions> products) =>
        JsonSerializer.Serialize([.. products], AccountSettingsJson.Default.ListProductOptions);

    /// <summary>The stored product list, or null when it is not a JSON array of products.</summary>
    public static List<ProductOptions>? ParseProducts(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, AccountSettingsJson.Default.ListProductOptions);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>These overrides without the settings named in <paramref name="keys"/>.</summary>
    public AccountOverrides Without(IEnumerable<string> keys)
    {
        var dropped = new HashSet<string>(keys, StringComparer.OrdinalIgnoreCase);
        return new AccountOverrides(
            Values.Where(v => !dropped.Contains(v.Key)).ToDictionary(v => v.Key, v => v.Value, StringComparer.OrdinalIgnoreCase),
            dropped.Contains(AccountSettingsCatalog.ProductsKey) ? null : Products);
    }

    /// <summary>
    /// <paramref name="configuration"/> as it would be with these overrides (and no others): every editable key is set,
    /// to its override, to what the service's own providers configure, or to its class's default (the binder would
    /// set a null as null), so an override removed here is gone.
    /// Dispose it after use (it watches <paramref name="configuration"/>'s reload token).
    /// </summary>
    public ConfigurationRoot Apply(IConfiguration configuration)
    {
        var layer = AccountSettingsCatalog.Settings.ToDictionary(
            s => s.Key,
            s => Values.TryGetValue(s.Key, out var value) ? value : Configured(configuration, s.Key) ?? s.Read(BoundSettings.Defaults));
        return (ConfigurationRoot)new ConfigurationBuilder()
            .AddConfiguration(configuration, shouldDisposeConfiguration: false)
            .AddInMemoryCollection(layer)
            .Build();
    }

    /// <summary>The value of <paramref name="key"/> without any operator's override; null when nothing configures it.</summary>
    private static string? Configured(IConfiguration configuration, string key)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return configuration[key];
        }

        foreach (var provider in root.Providers.Reverse())
        {
            if (provider is not AccountSettingsProvider && provider.TryGet(key, out var value))
            {
                return value;
            }
        }

        return null;
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(List<ProductOptions>))]
internal sealed partial class AccountSettingsJson : JsonSerializerContext;
