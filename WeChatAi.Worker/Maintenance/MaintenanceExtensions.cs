using WeChatAi.Worker.Maintenance;
using WeChatAi.Worker.Common;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class MaintenanceExtensions
{
    /// <summary>
    /// Samples the queue for the gauges, trims acknowledged entries off the job stream and old dead letters off theirs
    /// (<c>Worker:DeadLetterRetentionDays</c>, bound and validated by <c>AddJobPipeline</c>).
    /// </summary>
    public static TBuilder AddQueueMaintenance<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.TryAddWorkerMetrics();
        builder.Services.AddHostedService<QueueMaintenance>();
        return builder;
    }
}
