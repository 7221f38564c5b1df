using System.Text;

namespace WeChatAi.Core.Redis;

/// <summary>
/// The shards of the keyspace (<see cref="RedisOptions.JobShards"/>). A user always belongs to one shard (a stable hash
/// of the OpenID), so their messages stay in order on one stream and their keys share one slot. Shard i's tag is chosen
/// so its slot is the middle of the i-th of <see cref="Count"/> equal ranges of the 16,384 slots: with Redis Cluster's
/// even split, the shards spread evenly over the masters (12 shards on 3 masters: 4 each).
/// </summary>
/// <remarks>
/// The services' instance starts without a count: the deployment's count is known only once Redis answered
/// (<see cref="ShardCountCheck"/>, the first warm-up, resolves it), and every member throws until then, so nothing can
/// use a guessed count (a job on a stream no worker reads). Nothing runs against Redis before the warm-ups anyway.
/// </remarks>
public sealed class JobShards
{
    /// <summary>A new deployment's count on a Redis Cluster: 4 shards per master on 3 masters, room to grow to 12.</summary>
    public const int ClusterCount = 12;

    /// <summary>A new deployment's count on a standalone Redis: one script call per batch, as before the shards.</summary>
    public const int StandaloneCount = 1;

    public const int MaxCount = 256;

    private JobShard[]? _all;

    public JobShards(int count)
    {
        _all = Build(count);
    }

    /// <summary>The services' instance, resolved by <see cref="ShardCountCheck"/> before anything reads it.</summary>
    internal JobShards()
    {
    }

    public int Count => Shards.Length;

    public IReadOnlyList<JobShard> All => Shards;

    public JobShard this[int index] => Shards[index];

    private JobShard[] Shards => Volatile.Read(ref _all)
        ?? throw new InvalidOperationException("The shard count is read before the startup check resolved Redis:JobShards (ShardCountCheck, the first warm-up).");

    /// <summary>The user's shard: FNV-1a of the OpenID's UTF-8, so every process and every restart agree.</summary>
    public JobShard Of(string openId)
    {
        var all = Shards;
        return all[Hash(openId) % (uint)all.Length];
    }

    /// <summary>Sets the deployment's count, once (a second start-up check after a Redis blip finds the same count).</summary>
    internal void Resolve(int count)
    {
        if (Interlocked.CompareExchange(ref _all, Build(count), null) is { } known && known.Length != count)
        {
            throw new InvalidOperationException($"The shard count is already {known.Length}, not {count}.");
        }
    }

    /// <summary>The slot shard <paramref name="index"/> of <paramref name="count"/> aims at: the middle of its range.</summary>
    public static int TargetSlot(int index, int count) => (int)(((2L * index) + 1) * Crc16.SlotCount / (2L * count));

    private static JobShard[] Build(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxCount);
        return [.. Enumerable.Range(0, count).Select(i => new JobShard(i, TagOf(i, count)))];
    }

    internal static uint Hash(string text)
    {
        Span<byte> bytes = Encoding.UTF8.GetMaxByteCount(text.Length) <= 256 ? stackalloc byte[256] : new byte[Encoding.UTF8.GetMaxByteCount(text.Length)];
        bytes = bytes[..Encoding.UTF8.GetBytes(text, bytes)];
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }

    /// <summary>The smallest k whose tag <c>{s{i}.{k}}</c> lands on the target slot (about 16,000 tries on average, once at start).</summary>
    private static string TagOf(int index, int count)
    {
        var target = TargetSlot(index, count);
        for (var k = 0; ; k++)
        {
            var text = $"s{index}.{k}";
            if (Crc16.Slot(text) == target)
            {
                return "{" + text + "}";
            }
        }
    }
}
