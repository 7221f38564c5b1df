using Microsoft.Extensions.ServiceDiscovery;

// In the DI namespace, beside AddHttpClient: a registration opts out with one call.
namespace Microsoft.Extensions.DependencyInjection;

public static class ServiceDiscoveryOptOut
{
    /// <summary>
    /// Drops the service-discovery handler <c>AddServiceDefaults</c> gives every HttpClient, for a client whose URLs are
    /// never a service name (they come from configuration as they are): the handler resolves and rebuilds every
    /// request's URI, work for nothing on a client called once or more per job.
    /// </summary>
    public static IHttpClientBuilder RemoveServiceDiscovery(this IHttpClientBuilder http) =>
        http.ConfigureAdditionalHttpMessageHandlers(static (handlers, _) =>
        {
            // Its handler type is internal: every handler from the service-discovery assembly is its own.
            var serviceDiscovery = typeof(ServiceDiscoveryOptions).Assembly;
            for (var i = handlers.Count - 1; i >= 0; i--)
            {
                if (handlers[i].GetType().Assembly == serviceDiscovery)
                {
                    handlers.RemoveAt(i);
                }
            }
        });
}
