using Microsoft.Extensions.Configuration;

namespace WeChatAi.AppHost.Infrastructure;

/// <summary>When Redis has written an acknowledged job to disk (<c>Redis:Durability</c>).</summary>
public enum RedisDurability
{
    /// <summary>
    /// <c>appendfsync always</c>: Redis replies only once the AOF is on disk, so WeChat's 200 means the message survives
    /// a crash or power loss. One fsync serves a whole enqueue batch.
    /// </summary>
    Always,

    /// <summary><c>appendfsync everysec</c>: a Redis crash or power loss can drop the last second of accepted messages.</summary>
    Everysec,
}

/// <summary>One Redis, or a Redis Cluster whose node list is the connection string (<c>Redis:Topology</c>).</summary>
public enum RedisTopology
{
    /// <summary>One Redis server.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "Named as the setting's value 'single'.")]
    Single,

    /// <summary>A Redis Cluster: in local mode 3 masters and 3 replicas started here, in external mode the given node list.</summary>
    Cluster,
}

/// <summary>Redis settings that hold in every mode we start Redis ourselves.</summary>
public static class RedisSettings
{
    public const string DurabilitySetting = "Redis:Durability";

    public const string TopologySetting = "Redis:Topology";

    /// <summary>The first of the local cluster's six consecutive ports (each node also listens on its port + 10000).</summary>
    public const string ClusterPortSetting = "Redis:ClusterPort";

    /// <summary>The services' setting the local cluster defaults to 1 (forwarded like every other setting).</summary>
    public const string ReplicaAcksSetting = "Redis:ReplicaAcks";

    /// <summary>The port of Redis Cluster tutorials; its bus ports 17000–17005 lie below the ephemeral range.</summary>
    public const int DefaultClusterPort = 7000;

    /// <summary><c>always</c> costs about a fifth of the webhook's peak throughput, over the 15 % budget (docs/reliability.md).</summary>
    public const RedisDurability DefaultDurability = RedisDurability.Everysec;

    /// <summary>The arguments of the default durability, for Redis processes started outside the AppHost (tests).</summary>
    public static readonly string[] DurableQueueArguments = QueueArguments(DefaultDurability);

    /// <summary>
    /// The job stream must survive a restart (AOF, fsync per <paramref name="durability"/>) and must never be evicted
    /// under memory pressure: a full Redis refuses writes, which the webhook reports, instead of silently dropping jobs.
    /// </summary>
    public static string[] QueueArguments(RedisDurability durability) =>
        ["--appendonly", "yes", "--appendfsync", durability == RedisDurability.Always ? "always" : "everysec", "--maxmemory-policy", "noeviction"];

    public static RedisDurability Durability(IConfiguration configuration) => Parse(configuration, DurabilitySetting, DefaultDurability);

    public static RedisTopology Topology(IConfiguration configuration) => Parse(configuration, TopologySetting, RedisTopology.Single);

    /// <summary>The local cluster's first port: its six ports and their bus ports (+ 10000) must all be valid ports.</summary>
    public static int ClusterPort(IConfiguration configuration)
    {
        var configured = configuration[ClusterPortSetting];
        if (string.IsNullOrWhiteSpace(configured))
        {
            return DefaultClusterPort;
        }

        const int highest = Local.LocalRedisCluster.HighestPort - Local.LocalRedisCluster.LocalNodes + 1;
        return int.TryParse(configured, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is >= 1024 and <= highest
            ? port
            : throw new InvalidOperationException(
                $"{ClusterPortSetting} '{configured}' is not a port from 1024 to {highest}: the cluster's six nodes use it and the five after it, and each also listens on its port + 10000.");
    }

    /// <summary>A setting naming a value of <typeparamref name="T"/>; a wrong one stops startup listing the values (the members in lower case).</summary>
    private static T Parse<T>(IConfiguration configuration, string setting, T unset)
        where T : struct, Enum
    {
        var configured = configuration[setting];
        if (string.IsNullOrWhiteSpace(configured))
        {
            return unset;
        }

        return Enum.TryParse<T>(configured, ignoreCase: true, out var value) && Enum.IsDefined(value)
            ? value
            : throw new InvalidOperationException(
                $"{setting} '{configured}' is not one of {string.Join(", ", Enum.GetNames<T>().Select(name => name.ToLowerInvariant()))}.");
    }
}
