using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Compliance;
using WeChatAi.Core.Readiness;
using WeChatAi.Core.Safety;
using WeChatAi.Core.Settings;
using WeChatAi.Core.WeChat;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class AccountSettingsExtensions
{
    /// <summary>
    /// The operator's overrides of the editable settings (<see cref="AccountSettingsCatalog"/>), live without a restart:
    /// the configuration provider (added last, so it wins), its load before the service listens and its reload when
    /// <c>wechatai:settings:version</c> changes, and the product list's replacement. Needs Redis and the database.
    /// </summary>
    public static TBuilder AddAccountSettings<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Configuration.AddAccountSettings();

        // Every class holding an editable setting is valid at startup, so a saved change is checked against valid values.
        builder.AddValidatedOptions<WeChatOptions>(WeChatOptions.Section);
        builder.AddValidatedOptions<BillingOptions>(BillingOptions.Section);
        builder.AddValidatedOptions<ComplianceOptions>(ComplianceOptions.Section);
        builder.AddValidatedOptions<SafetyTextOptions>(SafetyTextOptions.Section);
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(AccountSettingsStore)))
        {
            return builder;
        }

        services.AddSingleton(static sp => ((IConfigurationRoot)sp.GetRequiredService<IConfiguration>()).Providers.OfType<AccountSettingsProvider>().Single());
        services.AddSingleton<IPostConfigureOptions<BillingOptions>, ProductsOverride>();
        services.AddSingleton<AccountSettingsStore>();
        services.AddSingleton<AccountSettingsRefresher>();
        services.AddHostedService(static sp => sp.GetRequiredService<AccountSettingsRefresher>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupWarmUp, AccountSettingsRefresher>(static sp => sp.GetRequiredService<AccountSettingsRefresher>()));
        return builder;
    }

    /// <summary>Adds the (empty until loaded) provider of the operator's overrides; call it after every other source.</summary>
    public static IConfigurationBuilder AddAccountSettings(this IConfigurationBuilder configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (!configuration.Sources.OfType<AccountSettingsSource>().Any())
        {
            configuration.Add(new AccountSettingsSource());
        }

        return configuration;
    }
}
