using WeChatAi.Worker.Billing;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class BillingRecordingExtensions
{
    /// <summary>
    /// The worker's share of billing: the give-back operation for dead letters (Core), the drain of charges into the
    /// ledger and <c>daily_usage</c>, credit expiry and the daily statistics roll-up.
    /// </summary>
    public static TBuilder AddBillingRecording<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddWeChatBilling();
        builder.Services.AddHostedService<UsageDrain>();
        builder.Services.AddHostedService<BillingMaintenance>();
        return builder;
    }
}
