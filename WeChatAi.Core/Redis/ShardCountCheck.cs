using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Readiness;

namespace WeChatAi.Core.Redis;

/// <summary>
/// Resolves the deployment's shard count (<see cref="JobShards"/>) before anything uses it: the count recorded in Redis
/// if there is one, else <see cref="RedisOptions.JobShards"/>, else one for a standalone Redis and twelve for a cluster,
/// recorded with SET NX so services starting together agree on the first writer's. A service configured with another
/// count than the recorded one refuses to start: its jobs would land on streams no worker reads, or it would read only
/// some of them (docs/keyspace.md, "Changing the shard count").
/// </summary>
internal sealed class ShardCountCheck(IConnectionMultiplexer redis, JobShards shards, IOptions<RedisOptions> options) : IStartupWarmUp
{
    /// <summary>String: the deployment's shard count, written once.</summary>
    public const string Key = "wechatai:jobshards";

    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var configured = options.Value.JobShards;
        var proposed = configured ?? NewDeploymentCount(redis.GetServers().Select(s => s.ServerType));
        var recorded = await redis.GetDatabase().StringSetAndGetAsync(Key, proposed.ToString(CultureInfo.InvariantCulture), when: When.NotExists).ConfigureAwait(false);
        shards.Resolve(Choose(configured, proposed, recorded));
    }

    /// <summary>
    /// A new deployment's count: several masters share the load only through several shards, while a standalone server
    /// admits a batch fastest in one script call (docs/benchmarks-webhook.md, "Issue 24, item 8"). A proxy (Twemproxy,
    /// Envoy) counts as a cluster; a provider's proxy that looks standalone needs the setting (docs/scale-out.md).
    /// </summary>
    internal static int NewDeploymentCount(IEnumerable<ServerType> servers) =>
        servers.Any(type => type is ServerType.Cluster or ServerType.Twemproxy or ServerType.Envoyproxy) ? JobShards.ClusterCount : JobShards.StandaloneCount;

    /// <summary>The recorded count when there is one (a setting, if any, must match it), else <paramref name="proposed"/>, just recorded.</summary>
    internal static int Choose(int? configured, int proposed, RedisValue recorded)
    {
        if (recorded.IsNull)
        {
            return proposed;
        }

        if (!int.TryParse((string?)recorded, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count is < 1 or > JobShards.MaxCount)
        {
            throw new InvalidOperationException($"{Key} in Redis holds no shard count between 1 and {JobShards.MaxCount}: delete it once the queue is drained, then start again (docs/keyspace.md).");
        }

        if (configured is { } mine && mine != count)
        {
            throw new InvalidOperationException(
                $"Redis:JobShards is {mine} but this Redis holds a deployment with {count} shards: set Redis:JobShards={count} or leave it unset (changing it needs the queue drained first, docs/keyspace.md).");
        }

        return count;
    }
}
