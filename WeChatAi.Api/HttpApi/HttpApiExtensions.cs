using System.Threading.RateLimiting;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds and maps it with one line each.
namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// The <c>/api</c> route group behind a per-IP token bucket. Never <c>/wechat</c>: all pushes come from a few WeChat
/// server IPs, and users have their own limit.
/// </summary>
public static class HttpApiExtensions
{
    public const string RateLimitPolicy = "api-per-ip";

    private const int RequestsPerSecond = 10;
    private const int Burst = 20;

    public static TBuilder AddHttpApi<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(RateLimitPolicy, context => RateLimitPartition.GetTokenBucketLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Burst,
                    TokensPerPeriod = RequestsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
        });
        return builder;
    }

    /// <summary>Adds the rate-limiting middleware and returns the <c>/api</c> group (with <c>/api/ping</c>); map every /api endpoint on it.</summary>
    public static RouteGroupBuilder MapHttpApi(this WebApplication app)
    {
        // Runs after the routing WebApplication adds implicitly, so it sees each endpoint's policy.
        app.UseRateLimiter();
        var api = app.MapGroup("/api").RequireRateLimiting(RateLimitPolicy);
        api.MapGet("/ping", () => "pong");
        return api;
    }
}
