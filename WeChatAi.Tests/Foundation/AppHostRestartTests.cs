using Aspire.Hosting;
using Aspire.Hosting.Testing;
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

    private static async Task<object?> ExecuteAsync(DistributedApplication app, string sql)
    {
        await using var connection = new NpgsqlConnection(await app.GetConnectionStringAsync("wechatdb", TestContext.Current.CancellationToken));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
    }
}
