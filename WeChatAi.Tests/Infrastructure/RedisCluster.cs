using System.Globalization;
using WeChatAi.AppHost.Infrastructure.Local;

namespace WeChatAi.Tests.Infrastructure;

/// <summary>
/// A real Redis Cluster of <c>redis-server</c> processes as the AppHost's local cluster runs them (same arguments and
/// forming), on free ports whose bus ports are free too, each node in a folder of its own; with the faults the chaos
/// tests need: a master killed, a node restarted, a replica promoted, slots moved between masters.
/// </summary>
internal sealed class RedisCluster : IAsyncDisposable
{
    private static readonly TimeSpan HealthyTimeout = TimeSpan.FromSeconds(30);

    private readonly string _directory;

    private RedisCluster(string directory, IReadOnlyList<RedisClusterNode> nodes)
    {
        _directory = directory;
        Nodes = nodes;
    }

    /// <summary>Every node, masters first as formed (a failover changes who is master: ask <see cref="ViewAsync"/>).</summary>
    public IReadOnlyList<RedisClusterNode> Nodes { get; }

    /// <summary>The node list; StackExchange.Redis discovers the rest.</summary>
    public string ConnectionString => LocalRedisCluster.ConnectionString(Nodes.Select(node => node.Port));

    /// <summary>Starts the nodes in parallel, forms the cluster and returns once every node sees every slot served.</summary>
    public static async Task<RedisCluster> StartAsync(int masters = 3, int replicasPerMaster = 0)
    {
        var directory = Directory.CreateTempSubdirectory("wechatai-redis-cluster-").FullName;
        var ports = FreePort.NextClusterPorts(masters * (1 + replicasPerMaster));
        var cluster = new RedisCluster(directory, [.. ports.Select(port => new RedisClusterNode(port, Path.Combine(directory, port.ToString(CultureInfo.InvariantCulture))))]);
        try
        {
            await Task.WhenAll(cluster.Nodes.Select(node => node.RunAsync()));
            await LocalRedisCluster.CreateAsync(ports, replicasPerMaster, TestContext.Current.CancellationToken);
            await cluster.WaitHealthyAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Waits until the cluster has settled (after a fault: healed): every running node says <c>cluster_state:ok</c>
    /// with all 16,384 slots served, all of them see the same masters and replicas, none of the running ones failed, and
    /// every replica is in sync with its master (only then can it take over).
    /// </summary>
    public async Task WaitHealthyAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? HealthyTimeout);
        while (true)
        {
            var reasons = new List<string>();
            var roles = new HashSet<string>();
            foreach (var node in Nodes.Where(node => node.IsRunning))
            {
                if (LocalRedisCluster.Unhealthy(await LocalRedisCluster.InfoAsync(node.Port, TestContext.Current.CancellationToken)) is { } reason)
                {
                    reasons.Add($"{node.Port}: {reason}");
                }

                roles.Add(Roles(RedisClusterNodeView.Parse(await node.CliAsync("cluster", "nodes"))));
                var replication = await node.CliAsync("info", "replication");
                if (replication.Contains("role:slave", StringComparison.Ordinal) && !replication.Contains("master_link_status:up", StringComparison.Ordinal))
                {
                    reasons.Add($"{node.Port}: a replica not yet in sync with its master");
                }
            }

            if (roles.Count > 1)
            {
                reasons.Add($"the nodes disagree on who is who: {string.Join(" / ", roles)}");
            }

            if (reasons.Count == 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The cluster did not heal: {string.Join("; ", reasons)}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Who is master and who replicates whom, as one node sees the running nodes; a running node seen failed stands out.</summary>
    private string Roles(IReadOnlyList<RedisClusterNodeView> view)
    {
        var running = Nodes.Where(node => node.IsRunning).Select(node => node.Port).ToHashSet();
        var ports = view.ToDictionary(node => node.Id, node => node.Port);
        return string.Join(' ', view.Where(node => running.Contains(node.Port)).OrderBy(node => node.Port).Select(node =>
            node.Failed ? $"{node.Port}:failed"
            : node.IsMaster ? $"{node.Port}:master"
            : $"{node.Port}:replica-of-{(node.MasterId is { } id && ports.TryGetValue(id, out var port) ? port : 0)}"));
    }

    /// <summary>The cluster as a running node sees it (<c>CLUSTER NODES</c>): who is master, of which slots, who replicates whom.</summary>
    public async Task<IReadOnlyList<RedisClusterNodeView>> ViewAsync()
    {
        var node = Nodes.First(node => node.IsRunning);
        return RedisClusterNodeView.Parse(await node.CliAsync("cluster", "nodes"));
    }

    /// <summary>The running nodes that are masters now, in port order.</summary>
    public async Task<IReadOnlyList<RedisClusterNode>> MastersAsync()
    {
        var view = await ViewAsync();
        return [.. Nodes.Where(node => view.Any(v => v.Port == node.Port && v.IsMaster && !v.Failed))];
    }

    /// <summary>The replicas of <paramref name="master"/> now.</summary>
    public async Task<IReadOnlyList<RedisClusterNode>> ReplicasOfAsync(RedisClusterNode master)
    {
        var view = await ViewAsync();
        var masterId = view.Single(v => v.Port == master.Port).Id;
        return [.. Nodes.Where(node => view.Any(v => v.Port == node.Port && v.MasterId == masterId))];
    }

    /// <summary>SIGKILLs <paramref name="master"/> and returns its replica once that replica took over and the cluster is whole again.</summary>
    public async Task<RedisClusterNode> KillMasterAsync(RedisClusterNode master)
    {
        var replicas = await ReplicasOfAsync(master);
        if (replicas.Count == 0)
        {
            throw new InvalidOperationException($"{master.Port} has no replica to take over.");
        }

        await master.KillAsync();
        var deadline = DateTime.UtcNow + HealthyTimeout;
        while (true)
        {
            var masters = await MastersAsync();
            if (replicas.FirstOrDefault(masters.Contains) is { } promoted)
            {
                await WaitHealthyAsync();
                return promoted;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No replica of {master.Port} was promoted.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Starts a stopped node again on its folder; returns once it rejoined (a former master comes back as a replica).</summary>
    public async Task RestartAsync(RedisClusterNode node)
    {
        await node.RunAsync();
        await WaitHealthyAsync();
    }

    /// <summary><c>CLUSTER FAILOVER</c> on <paramref name="replica"/>: a graceful promotion; returns once it is master and the cluster is whole.</summary>
    public async Task FailoverAsync(RedisClusterNode replica)
    {
        await replica.CliAsync("cluster", "failover");
        var deadline = DateTime.UtcNow + HealthyTimeout;
        while (!(await ViewAsync()).Single(v => v.Port == replica.Port).IsMaster)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{replica.Port} was not promoted.");
            }

            await Task.Delay(50);
        }

        await WaitHealthyAsync();
    }

    /// <summary>Moves <paramref name="slots"/> slots, with their keys, from one master to another (<c>redis-cli --cluster reshard</c>).</summary>
    public async Task MoveSlotsAsync(RedisClusterNode from, RedisClusterNode to, int slots)
    {
        await LocalRedisCluster.RedisCliAsync(
            ["--cluster", "reshard", $"127.0.0.1:{from.Port.ToString(CultureInfo.InvariantCulture)}",
             "--cluster-from", await from.IdAsync(), "--cluster-to", await to.IdAsync(),
             "--cluster-slots", slots.ToString(CultureInfo.InvariantCulture), "--cluster-yes"],
            TestContext.Current.CancellationToken);
        await WaitHealthyAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Nodes.Select(node => node.DisposeAsync().AsTask()));
        Directory.Delete(_directory, recursive: true);
    }
}
