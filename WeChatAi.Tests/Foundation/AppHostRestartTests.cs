using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using StackExchange.Redis;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Foundation;

[Collection(AppHostCollection.Name)]
public sealed class AppHostRestartTests
{
    [Fact]
    public async Task Data_in_redis_and_postgres_survives_an_apphost_restart_in_local_mode()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("wechatai-restart-").FullName;
        var marker = Guid.NewGuid().ToString("N");
        var ct = TestContext.Current.CancellationToken;
        try
        {
            await using (var first = await AppHostFixture.StartAsync(dataDirectory))
            {
                await using var redis = await ConnectionMultiplexer.ConnectAsync((await first.GetConnectionStringAsync("redis", ct))!);
                await redis.GetDatabase().StringSetAsync("restart-marker", marker);
                await ExecuteAsync(first, $"INSERT INTO wechat_users (\"AppId\", \"OpenId\", \"Subscribed\", \"FirstSeenAt\", \"LastSeenAt\") VALUES ('wx', '{marker}', true, now(), now())");
                await first.StopAsync(ct);
            }

            await using var second = await AppHostFixture.StartAsync(dataDirectory);
            await using var redisAgain = await ConnectionMultiplexer.ConnectAsync((await second.GetConnectionStringAsync("redis", ct))!);
            Assert.Equal(marker, (string?)await redisAgain.GetDatabase().StringGetAsync("restart-marker"));
            Assert.Equal(1L, await ExecuteAsync(second, $"SELECT count(*) FROM wechat_users WHERE \"OpenId\" = '{marker}'"));
            await second.StopAsync(ct);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task The_simulated_account_its_users_and_its_menu_are_the_same_after_an_apphost_restart()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("wechatai-restart-sim-").FullName;
        var ct = TestContext.Current.CancellationToken;
        try
        {
            string appId, openId;
            await using (var first = await AppHostFixture.StartAsync(dataDirectory))
            {
                using var simulator = new HttpClient { BaseAddress = first.GetEndpoint("simulator", "http") };
                // First start: the API's default menu was published to the simulator, as the README shows it.
                Assert.Equal(["新对话", "帮助", "关于"], await MenuAsync(simulator));
                using (var created = await simulator.PostAsJsonAsync("/sim/users", new { name = "昨天的用户" }, ct))
                {
                    openId = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("openId").GetString()!;
                }

                (await simulator.PostAsync(new Uri($"/sim/users/{openId}/follow", UriKind.Relative), null, ct)).EnsureSuccessStatusCode();
                appId = (await AppHostFixture.EnvironmentOfAsync(first, "api"))["WeChat__AppId"];
                await first.StopAsync(ct);
            }

            await using var second = await AppHostFixture.StartAsync(dataDirectory);
            Assert.Equal(appId, (await AppHostFixture.EnvironmentOfAsync(second, "api"))["WeChat__AppId"]);
            using var simulatorAgain = new HttpClient { BaseAddress = second.GetEndpoint("simulator", "http") };
            var users = await simulatorAgain.GetFromJsonAsync<JsonElement>("/sim/users", ct);
            Assert.Contains(users.EnumerateArray(), u => u.GetProperty("openId").GetString() == openId && u.GetProperty("following").GetBoolean());
            Assert.Equal(["新对话", "帮助", "关于"], await MenuAsync(simulatorAgain));

            // The console's list (through the API, for this AppId) still has yesterday's user.
            using var api = new HttpClient { BaseAddress = second.GetEndpoint("api", "http") };
            api.DefaultRequestHeaders.Add("X-Admin-Key", (await AppHostFixture.EnvironmentOfAsync(second, "api"))["Admin__ApiKey"]);
            Assert.Contains(openId, await api.GetStringAsync(new Uri($"/api/admin/users?q={openId}", UriKind.Relative), ct), StringComparison.Ordinal);
            await second.StopAsync(ct);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static async Task<string?[]> MenuAsync(HttpClient simulator) =>
        [.. (await simulator.GetFromJsonAsync<JsonElement>("/sim/menu", TestContext.Current.CancellationToken)).GetProperty("button").EnumerateArray().Select(b => b.GetProperty("name").GetString())];

    private static async Task<object?> ExecuteAsync(DistributedApplication app, string sql)
    {
        await using var connection = new NpgsqlConnection(await app.GetConnectionStringAsync("wechatdb", TestContext.Current.CancellationToken));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
    }
}
