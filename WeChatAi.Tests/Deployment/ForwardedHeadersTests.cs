using System.Net;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Deployment;

/// <summary>
/// Behind a platform's ingress every request comes from the proxy: the /api per-IP limit (burst 20, 10/s) must
/// see the client's address from X-Forwarded-For, but only when a trusted proxy says so.
/// </summary>
public sealed class ForwardedHeadersTests(PostgresServer postgres)
{
    [Fact]
    public async Task Behind_a_trusted_proxy_each_client_address_has_its_own_limit()
    {
        // The test client is a loopback peer: configured as the proxy, as a sidecar or local ingress would be.
        await using var redis = await RedisServer.StartAsync();
        await using var api = await StartApiAsync(redis, new() { ["ForwardedHeaders__KnownProxies__0"] = "127.0.0.1" });

        Assert.Contains(HttpStatusCode.TooManyRequests, await BurstAsync(api, "203.0.113.1", 60));
        Assert.All(await BurstAsync(api, "203.0.113.2", 15), status => Assert.Equal(HttpStatusCode.OK, status));
    }

    [Fact]
    public async Task A_peer_that_is_not_a_known_proxy_cannot_choose_its_limit()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var api = await StartApiAsync(redis, new() { ["ForwardedHeaders__KnownProxies__0"] = "192.0.2.10" });

        Assert.Contains(HttpStatusCode.TooManyRequests, await BurstAsync(api, "203.0.113.1", 60));
        // Still the peer's own bucket: at most 10 tokens came back since the first burst.
        Assert.Contains(HttpStatusCode.TooManyRequests, await BurstAsync(api, "203.0.113.2", 30));
    }

    [Fact]
    public async Task As_published_for_Container_Apps_only_the_address_the_ingress_appended_counts()
    {
        // The manifest sets ASPNETCORE_FORWARDEDHEADERS_ENABLED: any peer may be the ingress, so a client's own
        // X-Forwarded-For entries (on the left) must not pick the bucket, and the middleware must run only once.
        await using var redis = await RedisServer.StartAsync();
        await using var api = await StartApiAsync(redis, new() { ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true" });

        Assert.Contains(HttpStatusCode.TooManyRequests, await BurstAsync(api, "198.51.100.7, 203.0.113.1", 60));
        Assert.All(await BurstAsync(api, "198.51.100.7, 203.0.113.2", 15), status => Assert.Equal(HttpStatusCode.OK, status));
    }

    [Fact]
    public async Task A_proxy_network_that_is_not_CIDR_stops_startup_naming_the_setting()
    {
        await using var redis = await RedisServer.StartAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            StartApiAsync(redis, new() { ["ForwardedHeaders__KnownNetworks__0"] = "10.0.0.0/33" }));

        Assert.Contains("ForwardedHeaders:KnownNetworks", error.Message, StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode[]> BurstAsync(ServiceProcess api, string forwardedFor, int requests) =>
        await Task.WhenAll(Enumerable.Range(0, requests).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/ping", UriKind.Relative));
            request.Headers.Add("X-Forwarded-For", forwardedFor);
            using var response = await api.Client.SendAsync(request, TestContext.Current.CancellationToken);
            return response.StatusCode;
        }));

    private async Task<ServiceProcess> StartApiAsync(RedisServer redis, Dictionary<string, string?> settings)
    {
        settings["ConnectionStrings__redis"] = redis.ConnectionString;
        settings["ConnectionStrings__wechatdb"] = await postgres.CreateMigratedDatabaseAsync();
        return await ServiceProcess.StartAsync("WeChatAi.Api", settings);
    }
}
