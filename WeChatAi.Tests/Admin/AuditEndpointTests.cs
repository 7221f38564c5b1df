using System.Net;
using Microsoft.EntityFrameworkCore;
using WeChatAi.Core.Data;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Admin;

/// <summary>The audit list on the real API process: newest first, filters, keyset pages, and the operator header's checks.</summary>
public sealed class AuditEndpointTests(PostgresServer postgres)
{
    [Fact]
    public async Task The_audit_list_pages_newest_first_and_filters_by_actor_and_action()
    {
        await using var redis = await RedisServer.StartAsync();
        var database = await postgres.CreateMigratedDatabaseAsync();
        await using (var db = new WeChatDbContext(new DbContextOptionsBuilder<WeChatDbContext>().UseNpgsql(database).Options))
        {
            for (var i = 1; i <= 5; i++)
            {
                db.AdminAudit.Add(new AdminAuditEntry
                {
                    At = DateTimeOffset.UtcNow, Actor = i % 2 == 0 ? "li" : "wang", Action = i <= 3 ? "keyword.update" : "user.block",
                    Target = $"t{i}", Detail = "{\"to\":\"x\"}",
                });
            }

            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        await using var api = await AdminApi.StartAsync(redis.ConnectionString, database);

        var first = await api.GetAsync("/api/admin/audit?count=2");
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(["t5", "t4"], first.Body.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("target").GetString()));
        var next = first.Body.GetProperty("nextBefore").GetInt64();
        var second = await api.GetAsync($"/api/admin/audit?count=10&before={next}");
        Assert.Equal(["t3", "t2", "t1"], second.Body.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("target").GetString()));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, second.Body.GetProperty("nextBefore").ValueKind);

        var wangUpdates = await api.GetAsync("/api/admin/audit?actor=wang&action=keyword.update");
        Assert.Equal(["t3", "t1"], wangUpdates.Body.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("target").GetString()));

        // One user's rows, as their conversation shows them.
        var oneTarget = await api.GetAsync("/api/admin/audit?target=t4");
        Assert.Equal(["t4"], oneTarget.Body.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("target").GetString()));

        var badCount = await api.GetAsync("/api/admin/audit?count=0");
        Assert.Equal(HttpStatusCode.BadRequest, badCount.Status);
        Assert.Contains("count", badCount.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var anonymous = await api.SendAsync(HttpMethod.Get, "/api/admin/audit", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);

        var longOperator = await api.SendAsync(HttpMethod.Get, "/api/admin/audit", new Dictionary<string, string>
        {
            ["X-Admin-Key"] = AdminApi.Key,
            ["X-Admin-Operator"] = new string('a', AdminAuditEntry.MaxActor + 1),
        });
        Assert.Equal(HttpStatusCode.BadRequest, longOperator.Status);
        Assert.Contains("X-Admin-Operator", longOperator.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var encodedControl = await api.SendAsync(HttpMethod.Get, "/api/admin/audit", new Dictionary<string, string>
        {
            ["X-Admin-Key"] = AdminApi.Key,
            ["X-Admin-Operator"] = Uri.EscapeDataString("运营\n李"),
        });
        Assert.Equal(HttpStatusCode.BadRequest, encodedControl.Status);
    }
}
