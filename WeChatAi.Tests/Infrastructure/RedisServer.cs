using StackExchange.Redis;
using WeChatAi.AppHost.Infrastructure;
using WeChatAi.AppHost.Infrastructure.Local;

namespace WeChatAi.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> on a free port, in a folder of its own, with the AppHost's durability settings. With
/// <see cref="ClusterVariable"/> set to 1, every server is a one-node Redis Cluster owning all 16,384 slots: Redis
/// refuses a script, transaction or multi-key command over keys of several slots even then, so the tests run that way
/// catch every key that is not in its shard's slot.
/// </summary>
internal sealed class RedisServer : ITestRedis
{
    public const string ClusterVariable = "WECHATAI_TEST_REDIS_CLUSTER";

    private readonly string _directory;
    private ChildProcess? _process;

    private RedisServer(string directory, int port, bool cluster)
    {
        _directory = directory;
        Port = port;
        IsCluster = cluster;
    }

    public int Port { get; }

    /// <summary>A one-node cluster (<see cref="ClusterVariable"/>).</summary>
    public bool IsCluster { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <param name="cluster">A one-node cluster; by default as <see cref="ClusterVariable"/> says.</param>
    /// <param name="recordedShards">
    /// The shard count a standalone server starts with recorded, as a deployment from before the count followed the
    /// topology would have (the tests' helpers read <see cref="TestShards.Count"/> shards); null: a new deployment's
    /// empty server. A cluster starts empty: the services record <see cref="TestShards.Count"/> on their own.
    /// </param>
    public static async Task<RedisServer> StartAsync(bool? cluster = null, int? recordedShards = TestShards.Count)
    {
        var server = Create(cluster);
        await server.RunAsync();
        if (!server.IsCluster && recordedShards is { } count)
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
            await connection.GetDatabase().StringSetAsync(WeChatAi.Core.Redis.ShardCountCheck.Key, count);
        }

        return server;
    }

    /// <summary>A server with its port and folder chosen but not running yet (<see cref="RunAsync"/> starts it).</summary>
    public static RedisServer Create(bool? asCluster = null)
    {
        var cluster = asCluster ?? Environment.GetEnvironmentVariable(ClusterVariable) == "1";
        var port = cluster ? FreePort.NextClusterPorts(1)[0] : FreePort.Next();

        return new(Directory.CreateTempSubdirectory("wechatai-redis-").FullName, port, cluster);
    }

    /// <summary>Starts the server again on the same port and data folder, as an operator restarting Redis would.</summary>
    public async Task RunAsync()
    {
        string[] cluster = IsCluster ? ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"] : [];
        _process = ChildProcess.Start(LocalBinaries.RedisServer(),
            ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _directory, .. RedisSettings.DurableQueueArguments, .. cluster]);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                await using var connection = await ConnectionMultiplexer.ConnectAsync($"{ConnectionString},connectTimeout=500");
                await connection.GetDatabase().PingAsync();
                if (IsCluster)
                {
                    await OwnEverySlotAsync(connection);
                }

                return;
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(50);
            }
            catch (RedisConnectionException ex)
            {
                throw new InvalidOperationException($"redis-server did not start: {_process.Output}", ex);
            }
        }
    }

    /// <summary>Takes all 16,384 slots (a restarted node has them from its nodes.conf) and waits for <c>cluster_state:ok</c>.</summary>
    private static async Task OwnEverySlotAsync(ConnectionMultiplexer connection)
    {
        var server = connection.GetServers()[0];
        var deadline = DateTime.UtcNow.AddSeconds(15);
        var info = (string?)await server.ExecuteAsync("CLUSTER", "INFO") ?? "";
        if (info.Contains("cluster_slots_assigned:0", StringComparison.Ordinal))
        {
            await server.ExecuteAsync("CLUSTER", "ADDSLOTSRANGE", 0, 16_383);
        }

        while (!info.Contains("cluster_state:ok", StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"The one-node cluster did not come up: {info}");
            }

            await Task.Delay(50);
            info = (string?)await server.ExecuteAsync("CLUSTER", "INFO") ?? "";
        }
    }

    /// <summary>Kills the server abruptly, as a crash would.</summary>
    public async Task KillAsync()
    {
        if (_process is not null)
        {
            await _process.StopAsync("KILL");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }
}
