using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WeChatAi.AppHost.Infrastructure.Local;

/// <summary>
/// <c>Redis:Topology=cluster</c> in local mode: 3 masters and 3 replicas as <c>redis-server</c> processes, shown in
/// the dashboard as the children of one <c>redis</c> resource that the services wait for.
/// </summary>
public static class LocalRedisClusterExtensions
{
    private const int ReplicasPerMaster = 1;

    private static readonly Action<ILogger, string, Exception?> Formed =
        LoggerMessage.Define<string>(LogLevel.Information, new EventId(1, "ClusterFormed"), "{Outcome}");

    private static readonly Action<ILogger, Exception?> FormingFailed =
        LoggerMessage.Define(LogLevel.Error, new EventId(2, "ClusterFormingFailed"), "The nodes could not be formed into a cluster.");

    /// <summary>
    /// Adds the nodes on <paramref name="firstPort"/> and the five ports after it, each in its own folder named by its
    /// port under <paramref name="dataDirectory"/> (so data and nodes.conf survive a restart, and other ports start afresh).
    /// </summary>
    public static IResourceBuilder<LocalRedisClusterResource> AddLocalRedisCluster(
        this IDistributedApplicationBuilder builder, string name, string dataDirectory, RedisDurability durability, int firstPort)
    {
        var command = LocalBinaries.RedisServer();
        LocalBinaries.RedisCli(); // missing, it would fail only once every node is up
        var ports = Enumerable.Range(firstPort, LocalRedisCluster.LocalNodes).ToArray();
        if (LocalRedisCluster.FirstBusyPort(ports) is { } busy)
        {
            throw new InvalidOperationException(
                $"Port {busy} is in use, but the local Redis Cluster needs ports {ports[0]}–{ports[^1]} and their cluster bus ports " +
                $"{ports[0] + LocalRedisCluster.BusPortOffset}–{ports[^1] + LocalRedisCluster.BusPortOffset}. Stop what holds it, or set " +
                $"{RedisSettings.ClusterPortSetting} to another first port (a new port starts an empty cluster).");
        }

        var cluster = builder.AddResource(new LocalRedisClusterResource(name, ports));
        var ready = 0;
        foreach (var (port, index) in ports.Select((port, index) => (port, index)))
        {
            var directory = Path.Combine(dataDirectory, port.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(directory);
            var node = new LocalRedisClusterNodeResource($"{name}-{index + 1}", command, directory, port, cluster.Resource);
            // Not proxied: the nodes tell clients each other's real ports (MOVED, CLUSTER SLOTS).
            builder.AddResource(node)
                .WithEndpoint(port: port, targetPort: port, scheme: "tcp", name: "tcp", isProxied: false)
                .WithArgs(LocalRedisCluster.NodeArguments(port, directory, durability))
                .WithLocalHealthCheck(new RedisPingHealthCheck(node))
                .WithParentRelationship(cluster);
            builder.Eventing.Subscribe<ResourceReadyEvent>(node, async (@event, cancellationToken) =>
            {
                if (Interlocked.Increment(ref ready) == ports.Length)
                {
                    await FormAsync(cluster.Resource, @event.Services, cancellationToken);
                }
            });
        }

        return cluster
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "RedisCluster",
                State = KnownResourceStates.Waiting,
                Properties = [new("Nodes", LocalRedisCluster.ConnectionString(ports))],
            })
            .WithLocalHealthCheck(new RedisClusterHealthCheck(cluster.Resource));
    }

    /// <summary>Once every node answers: forms the cluster on the first start, or lets the nodes rejoin as nodes.conf says.</summary>
    private static async Task FormAsync(LocalRedisClusterResource cluster, IServiceProvider services, CancellationToken cancellationToken)
    {
        var logger = services.GetRequiredService<ResourceLoggerService>().GetLogger(cluster);
        var notifications = services.GetRequiredService<ResourceNotificationService>();
        try
        {
            var created = await LocalRedisCluster.CreateIfNewAsync(cluster.Ports, ReplicasPerMaster, cancellationToken);
            Formed(logger, created
                ? $"Formed a new cluster: masters {string.Join(", ", cluster.Ports.Take(cluster.Ports.Count / (ReplicasPerMaster + 1)))}, each with {ReplicasPerMaster} replica."
                : "The nodes rejoin the cluster their nodes.conf remembers.", null);
            await notifications.PublishUpdateAsync(cluster, snapshot => snapshot with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            });
        }
        catch (InvalidOperationException ex)
        {
            FormingFailed(logger, ex);
            await notifications.PublishUpdateAsync(cluster, snapshot => snapshot with { State = KnownResourceStates.FailedToStart });
        }
    }
}
