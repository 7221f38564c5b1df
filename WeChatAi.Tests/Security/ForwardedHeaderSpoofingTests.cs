using System.Net;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Security;

/// <summary>
/// Attack: behind the AppHost's port proxy or a TCP tunnel every caller is a loopback peer, so if loopback were a
/// trusted proxy a caller could pick its per-address bucket by sending a made-up <c>X-Forwarded-For</c>.
/// The legitimate twin (a configured proxy gives each client its own bucket) is in Deployment/ForwardedHeadersTests.
/// </summary>
public sealed class ForwardedHeaderSpoofingTests(PostgresServer postgres)
{
    [Fact]
    public async Task With_no_proxy_configured_made_up_forwarded_addresses_share_the_callers_own_limit()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var api = await ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = await postgres.CreateMigratedDatabaseAsync(),
        });

        // 120 requests, each claiming another address (the attack's numbers): the burst of 20 ends them all in one bucket.
        var statuses = await Task.WhenAll(Enumerable.Range(0, 120).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/ping", UriKind.Relative));
            request.Headers.Add("X-Forwarded-For", $"203.0.{i / 250}.{(i % 250) + 1}");
            using var response = await api.Client.SendAsync(request, TestContext.Current.CancellationToken);
            return response.StatusCode;
        }));

        Assert.InRange(statuses.Count(s => s == HttpStatusCode.OK), 1, 40);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
    }
}
