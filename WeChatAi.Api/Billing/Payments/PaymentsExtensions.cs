using Microsoft.AspNetCore.Mvc;
using WeChatAi.Api.Billing.Payments;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds and maps it with one line each.
namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Payment settlement: WeChat Pay's notifications (<c>POST /api/pay/notify</c>) and the reconciliation job (the
/// operator's refund is an order endpoint, <c>Billing/Orders/</c>).
/// </summary>
public static class PaymentsExtensions
{
    public static TBuilder AddPayments<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddWeChatPay();
        builder.AddWeChatBilling();
        builder.Services.AddSingleton<PaymentNotice>();
        builder.Services.AddScoped<PaymentSettlement>();
        builder.Services.AddHostedService<PaymentReconciliation>();
        return builder;
    }

    /// <summary>
    /// On the <c>/api</c> group: <c>pay/notify</c> without the per-IP limit (WeChat Pay posts from a few IPs, retries
    /// and duplicates included).
    /// </summary>
    public static RouteGroupBuilder MapPayments(this RouteGroupBuilder api)
    {
        api.MapPost("/pay/notify", PaymentNotifyEndpoint.HandleAsync).DisableRateLimiting()
            .WithMetadata(new RequestSizeLimitAttribute(PaymentNotifyEndpoint.MaxBodyBytes)).WithName("WeChatPayNotify");
        return api;
    }
}
