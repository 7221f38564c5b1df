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

/// <summary>Redis settings that hold in every mode we start Redis ourselves.</summary>
public static class RedisSettings
{
    public const string DurabilitySetting = "Redis:Durability";

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

    public static RedisDurability Durability(IConfiguration configuration)
    {
        var configured = configuration[DurabilitySetting];
        if (string.IsNullOrWhiteSpace(configured))
        {
            return DefaultDurability;
        }

        return Enum.TryParse<RedisDurability>(configured, ignoreCase: true, out var durability) && Enum.IsDefined(durability)
            ? durability
            : throw new InvalidOperationException($"{DurabilitySetting} '{configured}' is not one of always, everysec.");
    }
}
