using System.Net;
using System.Text.Json;
using WeChatAi.Tests.Admin;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Security;

/// <summary>
/// Attack: <c>GET /api/stats</c> without a key showed today's orders, paid orders and revenue. It keeps its public
/// message counters (the load tests read them); money moved to <c>GET /api/admin/stats</c>, behind <c>Admin:ApiKey</c>.
/// </summary>
public sealed class StatsExposureTests(PostgresServer postgres)
{
    [Fact]
    public async Task Public_stats_say_nothing_about_money_or_users_and_the_operators_reading_needs_the_key()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var api = await AdminApi.StartAsync(redis.ConnectionString, await postgres.CreateMigratedDatabaseAsync());

        using var response = await api.Process.Client.GetAsync(new Uri("/api/stats", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var open = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using (var json = JsonDocument.Parse(open))
        {
            Assert.True(json.RootElement.TryGetProperty("receivedToday", out _), open);
            Assert.True(json.RootElement.TryGetProperty("queue", out _), open);
        }

        foreach (var word in new[] { "billing", "revenue", "order", "paid", "paying", "refund", "openId" })
        {
            Assert.DoesNotContain(word, open, StringComparison.OrdinalIgnoreCase);
        }

        var (anonymous, _) = await AdminApi.SendAsync(api.Process.Client, HttpMethod.Get, "/api/admin/stats", new Dictionary<string, string>());
        var (wrongKey, _) = await AdminApi.SendAsync(api.Process.Client, HttpMethod.Get, "/api/admin/stats", new Dictionary<string, string> { ["X-Admin-Key"] = AdminApi.Key + "x" });
        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (anonymous, wrongKey));

        var (status, body) = await api.SendAsync(HttpMethod.Get, "/api/admin/stats");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, body.GetProperty("billing").GetProperty("revenueFenToday").GetInt64());
        Assert.True(body.GetProperty("messages").TryGetProperty("receivedToday", out _));
    }
}
