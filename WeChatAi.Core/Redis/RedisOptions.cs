using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Core.Redis;

/// <summary>How the keyspace is laid out (section <c>Redis</c>), read by the API and the worker (docs/configuration.md).</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>
    /// Shards of the job stream and of everything kept per user (<see cref="JobShards"/>): fixed at deployment, recorded
    /// in Redis by the first service to start; a service configured otherwise refuses to start (docs/keyspace.md).
    /// </summary>
    [Range(1, Redis.JobShards.MaxCount, ErrorMessage = "Redis:JobShards must be between 1 and 256.")]
    public int JobShards { get; set; } = Redis.JobShards.DefaultCount;
}
