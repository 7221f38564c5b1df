using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using WeChatAi.Api.Admin;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Security;

/// <summary>
/// Every endpoint the API maps, read from its endpoint table (the API hosted in-process): a route under
/// <c>/api/admin</c> carries the admin key and refuses a call without it; any other route is on <see cref="Reviewed"/>,
/// the public surface as reviewed, with whether the per-IP limit applies; no route takes an unbounded body.
/// </summary>
public sealed partial class EndpointInventoryTests(PostgresServer postgres)
{
    /// <summary>
    /// The reviewed public routes and why each may be called without the admin key. A route added outside
    /// <c>/api/admin</c> fails the test until it is added here, with its reason, in the same review as the route.
    /// </summary>
    internal static readonly PublicRoute[] Reviewed =
    [
        new("*", "/health", RateLimited: false, "the platform's readiness probe (any method, as health checks map): the stores' health, no data"),
        new("*", "/alive", RateLimited: false, "the platform's liveness probe"),
        new("GET", "/wechat", RateLimited: false, "WeChat's URL verification, signed; WeChat calls from a few addresses"),
        new("POST", "/wechat", RateLimited: false, "WeChat's pushes, signed (checked before the body is read); each user has a message limit"),
        new("GET", "/pay", RateLimited: true, "the purchase page; signs the payer in through WeChat's OAuth"),
        new("GET", "/pay/pay.js", RateLimited: true, "the purchase page's script"),
        new("GET", "/pay/oauth", RateLimited: true, "WeChat OAuth's callback, checked against the signed state"),
        new("GET", "/api/ping", RateLimited: true, "answers pong: nothing to protect"),
        new("GET", "/api/stats", RateLimited: true, "today's message figures, public by design; money is in /api/admin/stats"),
        new("GET", "/api/products", RateLimited: true, "the products on sale, shown by the purchase page"),
        new("GET", "/api/me", RateLimited: true, "the payer's own account, by the signed payer cookie"),
        new("POST", "/api/orders", RateLimited: true, "the payer's order, by the payer cookie and its CSRF header"),
        new("GET", "/openapi/{documentName}.json", RateLimited: true, "the API's contract, no data; outside Development it wants the admin key too (it names every operator route: Contract/ApiContractTests)"),
        new("POST", "/api/pay/notify", RateLimited: false, "WeChat Pay's notifications, signed; WeChat Pay posts from a few addresses, retries included"),
    ];

    [Fact]
    public async Task Every_admin_route_needs_the_key_and_every_other_route_is_reviewed()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var api = new HostedApi(redis.ConnectionString, await postgres.CreateMigratedDatabaseAsync());
        var endpoints = api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();

        Assert.Empty(Problems(endpoints, Reviewed));
        var admin = Routes(endpoints).Where(r => IsAdmin(r.Route)).ToList();
        Assert.True(admin.Count >= 29, $"only {admin.Count} admin routes found"); // as many as the console uses, at least

        // The metadata says the filter is there; a call without the key shows that it runs.
        var server = api.Server;
        var address = 0;
        foreach (var (method, route, _) in admin)
        {
            var path = RouteParameter().Replace(route, "1");
            var context = await server.SendAsync(c =>
            {
                c.Request.Method = method;
                c.Request.Path = path;
                c.Connection.RemoteIpAddress = new IPAddress([10, 0, (byte)(address / 250), (byte)(1 + (address++ % 250))]); // below the per-IP limit
            }, TestContext.Current.CancellationToken);
            Assert.True(context.Response.StatusCode == StatusCodes.Status401Unauthorized, $"{method} {path}: {context.Response.StatusCode}");
            using var body = await JsonDocument.ParseAsync(context.Response.Body, cancellationToken: TestContext.Current.CancellationToken);
            Assert.Contains("X-Admin-Key", body.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_check_names_an_unprotected_admin_route_an_unreviewed_public_one_and_a_reviewed_one_that_is_gone()
    {
        var builder = WebApplication.CreateSlimBuilder();
        await using var app = builder.Build();
        var api = app.MapGroup("/api").RequireRateLimiting("api-per-ip");
        api.MapGroup("/admin").WithMetadata(AdminKeyMetadata.Instance).MapGet("/protected", () => "ok");
        api.MapGet("/admin/forgotten", () => "no key");
        api.MapGet("/ping", () => "pong");
        api.MapPost("/upload", () => "any size").WithMetadata(new UnboundedBody());
        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().ToList();

        Assert.Equal(
        [
            "GET /api/admin/forgotten: an admin route without the admin key",
            "POST /api/upload: public but not on the reviewed list",
            "POST /api/upload: takes a body of any size",
            "* /health: reviewed but not mapped",
        ], Problems(endpoints, [Reviewed[0], .. Reviewed.Where(r => r.Route == "/api/ping")]));
    }

    /// <summary>What is wrong with <paramref name="endpoints"/> against the reviewed public list, one line each; empty when nothing is.</summary>
    internal static List<string> Problems(IReadOnlyList<RouteEndpoint> endpoints, IReadOnlyList<PublicRoute> reviewed)
    {
        var problems = new List<string>();
        var routes = Routes(endpoints);
        foreach (var (method, route, endpoint) in routes)
        {
            var name = $"{method} {route}";
            var limited = endpoint.Metadata.GetMetadata<EnableRateLimitingAttribute>() is not null && endpoint.Metadata.GetMetadata<DisableRateLimitingAttribute>() is null;
            if (IsAdmin(route))
            {
                if (endpoint.Metadata.GetMetadata<AdminKeyMetadata>() is null)
                {
                    problems.Add($"{name}: an admin route without the admin key");
                }

                if (!limited)
                {
                    problems.Add($"{name}: an admin route without the per-IP limit");
                }
            }
            else if (reviewed.FirstOrDefault(r => r.Method == method && r.Route == route) is not { } entry)
            {
                problems.Add($"{name}: public but not on the reviewed list");
            }
            else if (entry.RateLimited != limited)
            {
                problems.Add($"{name}: reviewed as {(entry.RateLimited ? "" : "not ")}rate limited, but it is{(limited ? "" : " not")}");
            }

            if (endpoint.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is { MaxRequestBodySize: null })
            {
                problems.Add($"{name}: takes a body of any size");
            }
        }

        problems.AddRange(reviewed.Where(r => !routes.Any(e => e.Method == r.Method && e.Route == r.Route)).Select(r => $"{r.Method} {r.Route}: reviewed but not mapped"));
        return problems;
    }

    private static List<(string Method, string Route, RouteEndpoint Endpoint)> Routes(IReadOnlyList<RouteEndpoint> endpoints) =>
    [
        .. from endpoint in endpoints
           let route = "/" + endpoint.RoutePattern.RawText!.Trim('/')
           from method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]
           orderby route, method
           select (method, route, endpoint),
    ];

    private static bool IsAdmin(string route) => route == "/api/admin" || route.StartsWith("/api/admin/", StringComparison.Ordinal);

    [System.Text.RegularExpressions.GeneratedRegex(@"\{[^}]+\}")]
    private static partial System.Text.RegularExpressions.Regex RouteParameter();

    /// <param name="Why">What makes it safe to call without the admin key.</param>
    internal sealed record PublicRoute(string Method, string Route, bool RateLimited, string Why);

    private sealed class UnboundedBody : IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize => null;
    }
}
