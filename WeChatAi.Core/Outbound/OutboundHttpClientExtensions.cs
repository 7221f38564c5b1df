using WeChatAi.Core.Outbound;

// In the DI namespace, beside AddHttpClient: a client that fetches outside URLs adds the guard with one call.
namespace Microsoft.Extensions.DependencyInjection;

public static class OutboundHttpClientExtensions
{
    /// <summary>
    /// Makes the guard of <paramref name="policy"/> this client's primary handler. Handlers added around it
    /// (resilience) still apply; an <see cref="OutboundRefusedException"/> is not an HttpRequestException, so the
    /// standard retry predicates do not retry it.
    /// </summary>
    public static IHttpClientBuilder AddOutboundGuard(this IHttpClientBuilder builder, Func<IServiceProvider, OutboundPolicy> policy) =>
        builder.ConfigurePrimaryHttpMessageHandler(services => new OutboundUrlGuard(policy(services)).CreateHandler());
}
