using Microsoft.Extensions.Configuration;
using WeChatAi.AppHost.Infrastructure.Local;

namespace WeChatAi.AppHost.Infrastructure;

public static class InfrastructureExtensions
{
    public const string RedisName = "redis";
    public const string PostgresName = "postgres";
    public const string DatabaseName = "wechatdb";

    /// <summary>
    /// Adds <c>redis</c> and <c>postgres</c>/<c>wechatdb</c> in the mode <c>Infrastructure:Mode</c> asks for, so
    /// the rest of the app model is the same on a laptop with Docker, a CI runner without it, and production.
    /// </summary>
    public static WeChatInfrastructure AddWeChatInfrastructure(this IDistributedApplicationBuilder builder)
    {
        var configured = builder.Configuration["Infrastructure:Mode"];
        var mode = InfrastructureMode.Auto;
        if (!string.IsNullOrWhiteSpace(configured) && !Enum.TryParse(configured, ignoreCase: true, out mode))
        {
            throw new InvalidOperationException($"Infrastructure:Mode '{configured}' is not one of auto, containers, local, external.");
        }

        var publishing = builder.ExecutionContext.IsPublishMode;
        var reason = "as configured by Infrastructure:Mode";
        if (mode == InfrastructureMode.Auto && publishing)
        {
            // The manifest describes what the platform runs, not this machine: no engine is needed here.
            mode = InfrastructureMode.Containers;
            reason = "publishing: the manifest describes Redis and PostgreSQL as containers";
        }
        else if (mode == InfrastructureMode.Auto)
        {
            var runtime = builder.Configuration["ASPIRE_CONTAINER_RUNTIME"] ?? "docker";
            mode = ContainerRuntimeProbe.EngineAnswers(runtime) ? InfrastructureMode.Containers : InfrastructureMode.Local;
            reason = mode == InfrastructureMode.Containers
                ? $"'{runtime}' has a running engine"
                : $"no container engine answers to '{runtime} info'";
        }

        if (mode == InfrastructureMode.Local && publishing)
        {
            throw new InvalidOperationException(
                "Infrastructure:Mode 'local' cannot be published: this machine's redis-server and postgres would be executables, which azd and container platforms do not run. Publish with 'auto' or 'containers', or 'external' for managed services.");
        }

        var topology = RedisSettings.Topology(builder.Configuration);
        if (topology == RedisTopology.Cluster && mode == InfrastructureMode.Containers)
        {
            // Aspire's Redis container is one server; a cluster in containers would need every node's address announced.
            throw new InvalidOperationException(
                $"{RedisSettings.TopologySetting} 'cluster' cannot run with Infrastructure:Mode 'containers' ({reason}). Use Infrastructure:Mode 'local' " +
                "(3 masters and 3 replicas as redis-server processes here) or 'external' (ConnectionStrings:redis lists the cluster's nodes).");
        }

        builder.LogAtStartup($"Infrastructure mode: {mode.ToString().ToLowerInvariant()} ({reason}).");
        builder.LogAtStartup($"Redis topology: {topology.ToString().ToLowerInvariant()}.");
        if (topology == RedisTopology.Cluster && mode == InfrastructureMode.Local)
        {
            // Its masters have a replica each: a message is promised only once one holds it (docs/scale-out.md).
            builder.Configuration[RedisSettings.ReplicaAcksSetting] ??= "1";
        }

        var durability = RedisSettings.Durability(builder.Configuration);
        if (mode != InfrastructureMode.External)
        {
            builder.LogAtStartup(durability == RedisDurability.Always
                ? "Redis durability: always (an accepted message is on disk before WeChat gets its reply)."
                : "Redis durability: everysec (a Redis crash or power loss can drop up to a second of accepted messages).");
        }

        var infrastructure = mode switch
        {
            InfrastructureMode.Containers => builder.AddContainerInfrastructure(durability),
            InfrastructureMode.Local => builder.AddLocalInfrastructure(durability, topology),
            InfrastructureMode.External => builder.AddExternalInfrastructure(),
            _ => throw new InvalidOperationException($"Infrastructure:Mode '{configured}' is not one of auto, containers, local, external."),
        };
        return infrastructure with { Mode = mode };
    }

    private static WeChatInfrastructure AddContainerInfrastructure(this IDistributedApplicationBuilder builder, RedisDurability durability)
    {
        // A published volume is named for the app, not (as Aspire's default) by a hash of the AppHost's path on the
        // machine that published it: deploying from another checkout must find the same data.
        var publishing = builder.ExecutionContext.IsPublishMode;
        var redis = builder.AddRedis(RedisName)
            .WithDataVolume(publishing ? "wechatai-redis-data" : null)
            .WithDurableQueueArguments(durability);
        var database = builder.AddPostgres(PostgresName)
            .WithDataVolume(publishing ? "wechatai-postgres-data" : null)
            .AddDatabase(DatabaseName);
        return new(InfrastructureMode.Containers, redis, database);
    }

    private static WeChatInfrastructure AddLocalInfrastructure(
        this IDistributedApplicationBuilder builder, RedisDurability durability, RedisTopology topology)
    {
        var dataDirectory = Path.GetFullPath(
            builder.Configuration["Infrastructure:DataDirectory"] ?? Path.Combine(builder.AppHostDirectory, "..", ".data"));
        builder.LogAtStartup($"Local Redis and PostgreSQL keep their data in {dataDirectory}.");

        // The cluster's data is a folder of its own: switching topology never mixes a single server's AOF with a node's.
        IResourceBuilder<IResourceWithConnectionString> redis = topology == RedisTopology.Cluster
            ? builder.AddLocalRedisCluster(RedisName, Path.Combine(dataDirectory, "redis-cluster"), durability, RedisSettings.ClusterPort(builder.Configuration))
            : builder.AddLocalRedis(RedisName, Path.Combine(dataDirectory, "redis"), durability);
        var database = builder.AddLocalPostgres(PostgresName, dataDirectory).AddDatabase(DatabaseName);
        return new(InfrastructureMode.Local, redis, database, dataDirectory);
    }

    private static WeChatInfrastructure AddExternalInfrastructure(this IDistributedApplicationBuilder builder)
    {
        // Published, the connection strings are secret parameters the deployment asks for, not values of this machine.
        var required = builder.ExecutionContext.IsPublishMode ? [] : new[] { RedisName, DatabaseName };
        if (required.FirstOrDefault(name => string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(name))) is { } missing)
        {
            throw new InvalidOperationException($"Infrastructure:Mode is 'external' but ConnectionStrings:{missing} is not set.");
        }

        return new(InfrastructureMode.External, builder.AddConnectionString(RedisName), builder.AddConnectionString(DatabaseName));
    }
}
