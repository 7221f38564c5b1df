using System.Net;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Foundation;

/// <summary>The API and the worker run on their own against real Redis and PostgreSQL, as in production.</summary>
public sealed class StandaloneServiceTests(PostgresServer postgres)
{
    [Theory]
    [InlineData("WeChatAi.Api")]
    [InlineData("WeChatAi.Worker")]
    public async Task Service_is_ready_with_redis_and_postgres_and_recovers_when_redis_returns(string project)
    {
        await using var redis = await RedisServer.StartAsync();
        var database = await postgres.CreateMigratedDatabaseAsync();
        await using var service = await ServiceProcess.StartAsync(project, new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = database,
        });

        Assert.Equal(HttpStatusCode.OK, await WaitForStatusAsync(service, "/health", HttpStatusCode.OK));

        await redis.KillAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await WaitForStatusAsync(service, "/health", HttpStatusCode.ServiceUnavailable));
        Assert.Equal(HttpStatusCode.OK, await service.GetStatusAsync("/alive"));

        await redis.RunAsync();
        Assert.Equal(HttpStatusCode.OK, await WaitForStatusAsync(service, "/health", HttpStatusCode.OK));
    }

    [Fact]
    public async Task Api_is_not_ready_when_postgres_is_unreachable()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var service = await ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = $"Host=127.0.0.1;Port={FreePort.Next()};Username=nobody;Password=x;Database=wechatdb;Timeout=2",
        });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await service.GetStatusAsync("/health"));
        Assert.Equal(HttpStatusCode.OK, await service.GetStatusAsync("/alive"));
    }

    [Fact]
    public async Task Api_refuses_to_start_without_a_redis_connection_string_and_names_it()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__wechatdb"] = "Host=127.0.0.1;Database=wechatdb",
        }));

        Assert.Contains("ConnectionStrings:redis", error.Message, StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode> WaitForStatusAsync(ServiceProcess service, string path, HttpStatusCode wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        HttpStatusCode status;
        do
        {
            status = await service.GetStatusAsync(path);
            if (status == wanted)
            {
                break;
            }

            await Task.Delay(250);
        }
        while (DateTime.UtcNow < deadline);

        return status;
    }
}
