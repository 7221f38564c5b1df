using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Polly.Telemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every WeChatAi service shares: OpenTelemetry, health checks, service discovery and resilient HttpClients.
/// </summary>
public static class Extensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";
    private const string LiveTag = "live";
    private static readonly TimeSpan HealthCheckTimeout = TimeSpan.FromSeconds(5);

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddJsonConsoleInProduction();
        // Hosting's request scope (RequestPath) goes on every line logged during a request, and admin and console paths carry
        // OpenIDs: off in code, so a missing appsettings.json, or one reloaded while it is rewritten, cannot bring it back.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.AddForwardedHeaders();
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        // Polly logs every timed-out attempt as an Error, the dashboard's red badge, though the retry usually handles it;
        // a request that finally fails is reported by its caller.
        builder.Services.Configure<TelemetryOptions>(options => options.SeverityProvider = static args =>
            args.Event.EventName == "OnTimeout" ? ResilienceEventSeverity.Warning : args.Event.Severity);
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(WeChatAiTelemetry.MeterName))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(WeChatAiTelemetry.ActivitySourceName)
                .AddAspNetCoreInstrumentation(options =>
                    // Health probes every few seconds would drown the traces that matter.
                    options.Filter = context =>
                        !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                        && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// In Production (a deployed container: nothing sets another environment) each console line is one JSON object
    /// (UTC timestamp, level, category, message, structured state, scopes) that a platform's log store can query.
    /// </summary>
    public static TBuilder AddJsonConsoleInProduction<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (builder.Environment.IsProduction())
        {
            builder.Logging.AddJsonConsole(options =>
            {
                options.IncludeScopes = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

        // A dependency that hangs (connect timeouts, client retries) must not hang the probe: report it unhealthy.
        builder.Services.PostConfigure<HealthCheckServiceOptions>(options =>
        {
            foreach (var registration in options.Registrations.Where(r => r.Timeout == Timeout.InfiniteTimeSpan))
            {
                registration.Timeout = HealthCheckTimeout;
            }
        });
        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (ready: every check, Redis and PostgreSQL included) and <c>/alive</c> (the process
    /// answers). Mapped in every environment: orchestrators and load balancers probe production too.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath);
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(LiveTag),
        });
        return app;
    }
}
