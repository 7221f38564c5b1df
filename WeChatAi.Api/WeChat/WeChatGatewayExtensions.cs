using System.Threading.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace WeChatAi.Api.WeChat;

public static class WeChatGatewayExtensions
{
    /// <summary>
    /// Per-IP token bucket for <c>/api/*</c>: <c>app.MapApiGroup()</c> (or <c>RequireRateLimiting(ApiRateLimitPolicy)</c>).
    /// Never for <c>/wechat</c>: all pushes come from a few WeChat server IPs, and users have their own limit.
    /// </summary>
    public const string ApiRateLimitPolicy = "api-per-ip";

    private const int ApiRequestsPerSecond = 10;
    private const int ApiBurst = 20;

    /// <summary>Registers the webhook, its options (validated at startup), the job queue and the /api rate limiter.</summary>
    public static TBuilder AddWeChatGateway<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.AddOptions<WeChatOptions>().BindConfiguration(WeChatOptions.SectionName).ValidateOnStart();
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WeChatOptions>, WeChatOptionsValidation>();
        services.AddSingleton<IValidateOptions<RateLimitOptions>, WeChatOptionsValidation>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<WeChatJobWriter>();
        services.AddSingleton<PassiveReplies>();
        services.AddSingleton<WeChatUserStore>();
        services.AddSingleton<WeChatWebhook>();

        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(ApiRateLimitPolicy, context => RateLimitPartition.GetTokenBucketLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = ApiBurst,
                    TokensPerPeriod = ApiRequestsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
        });
        return builder;
    }

    /// <summary>Maps <c>/wechat</c> and <c>/api/ping</c>, and adds the rate-limiting middleware the /api group needs.</summary>
    public static WebApplication MapWeChatGateway(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<WeChatOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WeChatWebhook).FullName!);
        if (options.IsConfigured)
        {
            WeChatGatewayLog.WebhookEnabled(logger, options.AppId!, string.IsNullOrEmpty(options.EncodingAESKey) ? "off" : "on", options.ReplyMode);
        }
        else
        {
            WeChatGatewayLog.WebhookDisabled(logger);
        }

        // Runs after the routing WebApplication adds implicitly, so it sees each endpoint's policy.
        app.UseRateLimiter();

        app.MapGet("/wechat", (HttpContext context, WeChatWebhook webhook) => webhook.Verify(context));
        app.MapPost("/wechat", (HttpContext context, WeChatWebhook webhook) => webhook.ReceiveAsync(context));

        // A liveness ping for API clients, behind the same per-IP limit as every /api endpoint.
        app.MapApiGroup().MapGet("/ping", () => "pong");
        return app;
    }

    /// <summary>The <c>/api</c> route group with the per-IP limit; map every /api endpoint through it.</summary>
    public static RouteGroupBuilder MapApiGroup(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGroup("/api").RequireRateLimiting(ApiRateLimitPolicy);
}
