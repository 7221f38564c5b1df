using Microsoft.Extensions.Configuration;
using WeChatAi.Core.Billing;

namespace WeChatAi.Core.Settings;

/// <summary>
/// The operator's overrides as a configuration provider, added last so they win over appsettings and the environment.
/// <see cref="AccountSettingsStore"/> fills it from <c>account_settings</c>; each change raises the configuration's
/// reload token, so every <c>IOptionsMonitor</c> of the sections recomputes. The products are not configuration keys
/// (binding would merge a shorter list with the configured one by index): <see cref="ProductsOverride"/> applies them.
/// </summary>
public sealed class AccountSettingsProvider : ConfigurationProvider
{
    /// <summary>The operator's product list, replacing <c>Billing:Products</c> as a whole; null: the configured one.</summary>
    public IReadOnlyList<ProductOptions>? Products { get; private set; }

    internal void Apply(AccountOverrides overrides)
    {
        Data = new Dictionary<string, string?>(overrides.Values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value)), StringComparer.OrdinalIgnoreCase);
        Products = overrides.Products;
        OnReload();
    }
}

/// <summary>Holds the one provider, so every build of the configuration shares what the store loaded.</summary>
internal sealed class AccountSettingsSource : IConfigurationSource
{
    private readonly AccountSettingsProvider _provider = new();

    public IConfigurationProvider Build(IConfigurationBuilder builder) => _provider;
}
