namespace WeChatAi.Tests.Infrastructure;

/// <summary>The Redis one test runs against, empty when it gets it; disposing it ends the test's use of it.</summary>
public interface ITestRedis : IAsyncDisposable
{
    string ConnectionString { get; }
}

/// <summary>
/// Where a Redis-backed test class gets its Redis: its own single server per test (<see cref="SingleRedis"/>, the
/// default) or the shared cluster (<see cref="RedisClusterFixture"/>). A class runs on both by taking one in a
/// protected constructor; its cluster twin is a subclass in <see cref="RedisClusterCollection"/> (docs in that type).
/// </summary>
public interface IRedisSource
{
    Task<ITestRedis> StartAsync();
}

/// <summary>A fresh <c>redis-server</c> per test, as the tests have always had.</summary>
public sealed class SingleRedis : IRedisSource
{
    public static readonly SingleRedis Source = new();

    private SingleRedis()
    {
    }

    public async Task<ITestRedis> StartAsync() => await RedisServer.StartAsync();
}
