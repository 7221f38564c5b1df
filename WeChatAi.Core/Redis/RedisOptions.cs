using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Core.Redis;

/// <summary>How the keyspace is laid out (section <c>Redis</c>), read by the API and the worker (docs/configuration.md).</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>
    /// Shards of the job stream and of everything kept per user (<see cref="JobShards"/>): fixed at deployment, recorded
    /// in Redis by the first service to start; a service configured otherwise refuses to start (docs/keyspace.md).
    /// Unset: the recorded count, or for a new deployment 1 on a standalone Redis and 12 on a cluster.
    /// </summary>
    [Range(1, Redis.JobShards.MaxCount, ErrorMessage = "Redis:JobShards must be between 1 and 256.")]
    public int? JobShards { get; set; }

    /// <summary>
    /// Replicas that must hold a write before the webhook promises a message to WeChat and before a part of an answer
    /// is pushed (<see cref="Redis.ReplicaAcks"/>): 0 with a single Redis or a provider's proxy without WAIT; 1 on a
    /// cluster with replicas (the AppHost's local cluster sets it) (docs/scale-out.md).
    /// </summary>
    [Range(0, 5, ErrorMessage = "Redis:ReplicaAcks must be between 0 and 5.")]
    public int ReplicaAcks { get; set; }

    /// <summary>How long a WAIT for <see cref="ReplicaAcks"/> may take: it blocks its master's connection meanwhile.</summary>
    [Range(10, 2000, ErrorMessage = "Redis:ReplicaAckTimeoutMs must be between 10 and 2000.")]
    public int ReplicaAckTimeoutMs { get; set; } = 500;
}
