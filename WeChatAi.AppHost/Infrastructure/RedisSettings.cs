namespace WeChatAi.AppHost.Infrastructure;

/// <summary>Redis settings that hold in every mode we start Redis ourselves.</summary>
public static class RedisSettings
{
    /// <summary>
    /// The job stream must survive a restart (AOF, fsync every second) and must never be evicted under memory
    /// pressure: a full Redis refuses writes, which the webhook reports, instead of silently dropping jobs.
    /// </summary>
    public static readonly string[] DurableQueueArguments =
        ["--appendonly", "yes", "--appendfsync", "everysec", "--maxmemory-policy", "noeviction"];
}
