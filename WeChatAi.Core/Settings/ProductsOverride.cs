using Microsoft.Extensions.Options;
using WeChatAi.Core.Billing;

namespace WeChatAi.Core.Settings;

/// <summary>The operator's product list replaces the configured <c>Billing:Products</c> wholesale, however many each has.</summary>
internal sealed class ProductsOverride(AccountSettingsProvider provider) : IPostConfigureOptions<BillingOptions>
{
    public void PostConfigure(string? name, BillingOptions options) => Apply(options, provider.Products);

    public static void Apply(BillingOptions options, IReadOnlyList<ProductOptions>? products)
    {
        if (products is not null)
        {
            // Copies: a consumer's instance never shares a mutable product with the provider.
            options.Products = [.. products.Select(p => new ProductOptions { Id = p.Id, Name = p.Name, PriceFen = p.PriceFen, Credits = p.Credits, ValidityDays = p.ValidityDays })];
        }
    }
}
