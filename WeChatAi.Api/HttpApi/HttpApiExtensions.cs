using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using WeChatAi.Api.HttpApi;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds and maps it with one line each.
namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// The API's HTTP surface: every request body limited while it is read (64 KB unless its endpoint says otherwise), and
/// the <c>/api</c> route group behind a per-IP token bucket (also <c>/pay</c> and <c>/pay/oauth</c>, which anyone can
/// call). Never <c>/wechat</c>: all pushes come from a few WeChat server IPs, and users have their own limit. A store
/// outage under an endpoint that declares its answer (<see cref="WithStoreOutage"/>) is a 503 (<see cref="StoreOutageHandler"/>).
/// </summary>
public static class HttpApiExtensions
{
    public const string RateLimitPolicy = "api-per-ip";

    /// <summary>
    /// Every body the API reads, unless its endpoint raises it (docs/security.md lists those): WeChat's pushes and
    /// WeChat Pay's notifications are a few KB, and the console's largest ordinary JSON (a keyword rule) under 6 KB.
    /// </summary>
    public const int MaxRequestBodyBytes = 64 * 1024;

    private const int RequestsPerSecond = 10;
    private const int Burst = 20;

    public static TBuilder AddHttpApi<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddRequestBodyLimit(MaxRequestBodyBytes);
        builder.Services.AddExceptionHandler<StoreOutageHandler>();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (context, cancellationToken) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "1";
                return new ValueTask(Results.Problem(
                    $"Too many requests from this address: at most {RequestsPerSecond} a second (bursts of {Burst}); try again in a second.",
                    statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(context.HttpContext));
            };
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

    /// <summary>
    /// Adds the store-outage answer, the body-limit answer and the rate-limiting middleware (for every endpoint,
    /// <c>/wechat</c> included) and returns the <c>/api</c> group (with <c>/api/ping</c>); map every /api endpoint on it.
    /// </summary>
    public static RouteGroupBuilder MapHttpApi(this WebApplication app)
    {
        // All three run after the routing WebApplication adds implicitly, so they see each endpoint's metadata. An
        // exception no handler takes stays the server's 500 without a body, as it was before the handler.
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = _ => Task.CompletedTask });
        app.UseRequestBodyLimitProblems();
        app.UseRateLimiter();
        var api = app.MapGroup("/api").RequireRateLimiting(RateLimitPolicy);
        api.MapGet("/ping", () => "pong").WithName("Ping");
        return api;
    }

    /// <summary>What the endpoints of <paramref name="builder"/> answer (503) while a store they need is away.</summary>
    public static TBuilder WithStoreOutage<TBuilder>(this TBuilder builder, string message) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new StoreOutageMetadata(message)).WithProblemResponse(StatusCodes.Status503ServiceUnavailable);

    /// <summary>Says in the OpenAPI document that the endpoints of <paramref name="builder"/> may answer a problem with <paramref name="status"/>.</summary>
    public static TBuilder WithProblemResponse<TBuilder>(this TBuilder builder, int status) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(ProblemDetails), ["application/problem+json"]));
}
