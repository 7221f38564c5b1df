using System.Net;
using System.Text.Json;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Admin;

/// <summary>The admin endpoints' key and input checks, on the real API process over HTTP.</summary>
public sealed class AdminEndpointTests(PostgresServer postgres)
{
    [Fact]
    public async Task Only_the_admin_key_opens_the_endpoints_and_bad_input_is_refused_naming_what_is_wrong()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var api = await AdminApi.StartAsync(redis.ConnectionString, await postgres.CreateMigratedDatabaseAsync()); // changes leave audit rows

        var missing = await api.SendAsync(HttpMethod.Get, "/api/admin/dead-letters", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Unauthorized, missing.Status);
        Assert.Contains("X-Admin-Key", Detail(missing.Body), StringComparison.Ordinal);
        foreach (var wrong in new[] { AdminApi.Key + "x", AdminApi.Key[..^1], "" })
        {
            var refused = await api.SendAsync(HttpMethod.Post, "/api/admin/dead-letters/retry-all", new Dictionary<string, string> { ["X-Admin-Key"] = wrong });
            Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
        }

        var wrongBearer = await api.SendAsync(HttpMethod.Delete, "/api/admin/dead-letters/0-1-0", new Dictionary<string, string> { ["Authorization"] = "Bearer nope-nope-nope-nope" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrongBearer.Status);

        var bearer = await api.SendAsync(HttpMethod.Get, "/api/admin/dead-letters", new Dictionary<string, string> { ["Authorization"] = "Bearer " + AdminApi.Key });
        Assert.Equal(HttpStatusCode.OK, bearer.Status);
        Assert.Equal(0, bearer.Body.GetProperty("deadLetters").GetArrayLength());

        Assert.Contains("count", Detail(await BadRequestAsync(api.GetAsync("/api/admin/dead-letters?count=0"))), StringComparison.Ordinal);
        Assert.Contains("count", Detail(await BadRequestAsync(api.GetAsync("/api/admin/dead-letters?count=abc"))), StringComparison.Ordinal);
        Assert.Contains("after", Detail(await BadRequestAsync(api.GetAsync("/api/admin/dead-letters?after=yesterday"))), StringComparison.Ordinal);
        Assert.Contains("id", Detail(await BadRequestAsync(api.PostAsync("/api/admin/dead-letters/abc/retry"))), StringComparison.Ordinal);
        Assert.Contains("id", Detail(await BadRequestAsync(api.DeleteAsync("/api/admin/dead-letters/1-x"))), StringComparison.Ordinal);

        var unknown = await api.PostAsync("/api/admin/dead-letters/0-1-0/retry");
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Contains("0-1-0", Detail(unknown.Body), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync("/api/admin/dead-letters/0-1-0")).Status);

        // A dead letter without a valid job can be listed and discarded, not retried.
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var shard = TestShards.Default[5];
        var id = $"{shard.Index}-{await connection.GetDatabase().StreamAddAsync(QueueKeys.DeadLetterStream(shard), [new(AiJob.StreamField, "not json"), new(DeadLetterFields.Reason, "malformed")])}";
        var listed = await api.GetAsync("/api/admin/dead-letters");
        var entry = Assert.Single(listed.Body.GetProperty("deadLetters").EnumerateArray());
        Assert.Equal((id, "malformed", JsonValueKind.Null), (entry.GetProperty("id").GetString(), entry.GetProperty("reason").GetString(), entry.GetProperty("job").ValueKind));
        var unretriable = await api.PostAsync($"/api/admin/dead-letters/{id}/retry");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unretriable.Status);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/admin/dead-letters/{id}")).Status);
        Assert.Equal(0, await connection.GetDatabase().JobCountAsync());
        Assert.Equal(0, await connection.GetDatabase().DeadLetterCountAsync());

        Assert.DoesNotContain(AdminApi.Key, api.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_admin_key_the_endpoints_say_so_and_a_short_key_stops_the_api_naming_the_setting()
    {
        await using var redis = await RedisServer.StartAsync();
        var database = await postgres.CreateDatabaseAsync();
        await using (var api = await AdminApi.StartAsync(redis.ConnectionString, database, key: null))
        {
            var disabled = await api.GetAsync("/api/admin/dead-letters");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, disabled.Status);
            Assert.Contains("Admin:ApiKey is not configured", Detail(disabled.Body), StringComparison.Ordinal);
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => AdminApi.StartAsync(redis.ConnectionString, database, key: "short"));
        Assert.Contains("Admin:ApiKey", error.Message, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> BadRequestAsync(Task<(HttpStatusCode Status, JsonElement Body)> request)
    {
        var (status, body) = await request;
        Assert.Equal(HttpStatusCode.BadRequest, status);
        return body;
    }

    private static string Detail(JsonElement problem) => problem.GetProperty("detail").GetString() ?? "";
}
