using System.Text;
using Microsoft.Extensions.Options;

namespace WeChatAi.Core.Redis;

/// <summary>
/// The shards of the keyspace (<see cref="RedisOptions.JobShards"/>). A user always belongs to one shard (a stable hash
/// of the OpenID), so their messages stay in order on one stream and their keys share one slot. Shard i's tag is chosen
/// so its slot is the middle of the i-th of <see cref="Count"/> equal ranges of the 16,384 slots: with Redis Cluster's
/// even split, the shards spread evenly over the masters (12 shards on 3 masters: 4 each).
/// </summary>
public sealed class JobShards
{
    public const int DefaultCount = 12;

    public const int MaxCount = 256;

    private readonly JobShard[] _all;

    public JobShards(IOptions<RedisOptions> options)
        : this(options.Value.JobShards)
    {
    }

    public JobShards(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxCount);
        _all = [.. Enumerable.Range(0, count).Select(i => new JobShard(i, TagOf(i, count)))];
    }

    public int Count => _all.Length;

    public IReadOnlyList<JobShard> All => _all;

    public JobShard this[int index] => _all[index];

    /// <summary>The user's shard: FNV-1a of the OpenID's UTF-8, so every process and every restart agree.</summary>
    public JobShard Of(string openId) => _all[Hash(openId) % (uint)_all.Length];

    /// <summary>The slot shard <paramref name="index"/> of <paramref name="count"/> aims at: the middle of its range.</summary>
    public static int TargetSlot(int index, int count) => (int)(((2L * index) + 1) * Crc16.SlotCount / (2L * count));

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
