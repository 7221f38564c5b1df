using StackExchange.Redis;
using WeChatAi.Api.HttpApi;
using WeChatAi.Api.Overview;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds and maps it with one line each.
namespace Microsoft.AspNetCore.Builder;

/// <summary>The console's overview, <c>GET {group}/admin/overview</c>, behind <c>Admin:ApiKey</c> (docs/console-overview.md).</summary>
public static class OverviewEndpoints
{
    /// <summary>How long one reading is served before the stores are asked again (the console asks every 3 s).</summary>
    public static readonly TimeSpan CacheDuration = TimeSpan.FromSeconds(2);

    /// <summary><c>Llm:PricePer1kTokens</c> (validated at startup) and the reader.</summary>
    public static TBuilder AddOverview<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddValidatedOptions<LlmPriceOptions>(LlmPriceOptions.Section);
        builder.Services.AddSingleton<OverviewReader>();
        return builder;
    }

    public static IEndpointRouteBuilder MapOverviewEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var cache = new ShortCache<OverviewSnapshot>(CacheDuration, TimeProvider.System);
        endpoints.ServiceProvider.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(cache.Dispose);
        endpoints.MapAdminGroup("/overview").MapGet("/", async (OverviewReader reader, CancellationToken cancellationToken) =>
            {
                try
                {
                    return Results.Json(await cache.GetAsync(now => reader.ReadAsync(now, cancellationToken), cancellationToken), OverviewJson.Default.OverviewSnapshot);
                }
                catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
                {
                    return Results.Problem("The overview's store (Redis) is unavailable: no figures can be read.", statusCode: StatusCodes.Status503ServiceUnavailable);
                }
            })
            .WithName("GetOverview");
        return endpoints;
    }
}
