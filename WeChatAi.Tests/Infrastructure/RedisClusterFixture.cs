using System.Diagnostics;
using StackExchange.Redis;

namespace WeChatAi.Tests.Infrastructure;

/// <summary>
/// One 3-master, 3-replica Redis Cluster for every class of <see cref="RedisClusterCollection"/>, started once (CI pays
/// its start once) and emptied for each test, so a test sees it as fresh as its own single server.
/// </summary>
public sealed class RedisClusterFixture : IRedisSource, IAsyncLifetime
{
    private RedisCluster? _cluster;
    private ConnectionMultiplexer? _admin;

    /// <summary>How long the cluster took to start and form, for the CI budget.</summary>
    public TimeSpan StartTime { get; private set; }

    internal RedisCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public async ValueTask InitializeAsync()
    {
        var started = Stopwatch.StartNew();
        _cluster = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 1);
        StartTime = started.Elapsed;
        _admin = await ConnectionMultiplexer.ConnectAsync($"{_cluster.ConnectionString},allowAdmin=true");
        TestContext.Current.SendDiagnosticMessage($"Redis Cluster (3 masters, 3 replicas) formed in {StartTime.TotalSeconds:F1} s.");
    }

    public async Task<ITestRedis> StartAsync()
    {
        // Tests here leave the nodes alone (the chaos tests start clusters of their own), so emptying the masters is enough.
        foreach (var master in _admin!.GetServers().Where(server => !server.IsReplica))
        {
            await master.FlushAllDatabasesAsync();
        }

        return new Lease(Cluster.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        if (_admin is not null)
        {
            await _admin.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    /// <summary>The cluster stays up for the next test; the collection runs its tests one at a time, so leases never overlap.</summary>
    private sealed class Lease(string connectionString) : ITestRedis
    {
        public string ConnectionString { get; } = connectionString;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>
/// The Redis-backed test classes' cluster twins. To run a class on the cluster as well as on its single server:
/// <list type="number">
/// <item>unseal it; give it <c>public XxxTests() : this(SingleRedis.Source)</c> and <c>protected XxxTests(IRedisSource redis)</c>;</item>
/// <item>get each test's Redis from that source (<c>await using var redis = await _redis.StartAsync();</c>) instead of
/// <c>RedisServer.StartAsync()</c>, or pass it on (<c>WorkerHarness.StartAsync(postgres, _redis)</c>);</item>
/// <item>add <c>[Collection(RedisClusterCollection.Name)] public sealed class XxxClusterTests(RedisClusterFixture cluster) : XxxTests(cluster);</c></item>
/// </list>
/// Every test of the class then runs twice, the second time on the shared cluster.
/// </summary>
[CollectionDefinition(Name)]
public sealed class RedisClusterCollection : ICollectionFixture<RedisClusterFixture>
{
    public const string Name = "redis-cluster";
}
