using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WeChatAi.Core.Billing;

// In the builder's namespace, like the service defaults' extensions.
namespace Microsoft.Extensions.Hosting;

public static class BillingExtensions
{
    /// <summary>
    /// The <c>Billing</c> settings (validated at startup), the credit ledger, the Redis balance and the give-back
    /// operation; used by the API (charges, purchases) and the worker (give-backs, the usage drain).
    /// </summary>
    public static TBuilder AddWeChatBilling<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(CreditLedger)))
        {
            return builder;
        }

        builder.AddValidatedOptions<BillingOptions>(BillingOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CreditLedger>();
        builder.Services.AddSingleton<CreditCache>();
        builder.Services.AddSingleton<QuotaGiveBack>();
        return builder;
    }
}
