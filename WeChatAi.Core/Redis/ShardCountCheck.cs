using System.Globalization;
using StackExchange.Redis;
using WeChatAi.Core.Readiness;

namespace WeChatAi.Core.Redis;

/// <summary>
/// Records the shard count in Redis on first start (SET NX) and refuses to start a service configured with another
/// one: its jobs would land on streams no worker reads, or it would read only some of them.
/// </summary>
internal sealed class ShardCountCheck(IConnectionMultiplexer redis, JobShards shards) : IStartupWarmUp
{
    /// <summary>String: the deployment's <see cref="RedisOptions.JobShards"/>, written once.</summary>
    public const string Key = "wechatai:jobshards";

    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var mine = shards.Count.ToString(CultureInfo.InvariantCulture);
        var recorded = await redis.GetDatabase().StringSetAndGetAsync(Key, mine, when: When.NotExists).ConfigureAwait(false);
        if (!recorded.IsNull && recorded != mine)
        {
            throw new InvalidOperationException(
                $"Redis:JobShards is {mine} but this Redis holds a deployment with {recorded} shards: set Redis:JobShards={recorded} (changing it needs the queue drained first, docs/keyspace.md).");
        }
    }
}
