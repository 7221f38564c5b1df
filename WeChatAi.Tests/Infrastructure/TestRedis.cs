using StackExchange.Redis;

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
    /// <summary>With <see cref="TestShards.Count"/> shards recorded, as the tests' helpers expect (<see cref="RedisServer.StartAsync"/>).</summary>
    public static readonly SingleRedis Source = new(TestShards.Count);

    /// <summary>Empty: a new deployment, whose services choose and record the shard count themselves.</summary>
    public static readonly SingleRedis NewDeployment = new(null);

    private readonly int? _recordedShards;

    private SingleRedis(int? recordedShards)
    {
        _recordedShards = recordedShards;
    }

    public async Task<ITestRedis> StartAsync() => await RedisServer.StartAsync(recordedShards: _recordedShards);
}

/// <summary>A test class on a Redis from its source (single or the cluster, for its twin), with one connection per test.</summary>
public abstract class RedisConnectionTests(IRedisSource source) : IAsyncLifetime
{
    private ITestRedis _redis = null!;

    protected ConnectionMultiplexer Connection { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _redis = await source.StartAsync();
        Connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        await Connection.DisposeAsync();
        await _redis.DisposeAsync();
    }
}
