using Microsoft.Extensions.DependencyInjection.Extensions;

namespace WeChatAi.Worker.Common;

internal static class WorkerServices
{
    /// <summary>The clock and the worker's instruments (metrics, the overview's call counts), registered once by whichever feature comes first.</summary>
    public static void TryAddWorkerMetrics(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WorkerMetrics>();
        if (!services.Any(d => d.ServiceType == typeof(ServiceCallStats)))
        {
            services.AddSingleton<ServiceCallStats>();
            services.AddHostedService(static provider => provider.GetRequiredService<ServiceCallStats>());
        }
    }
}
