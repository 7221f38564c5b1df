using System.Text;
using WeChatAi.Core.Redis;
using Xunit;

namespace WeChatAi.UnitTests.Redis;

public sealed class JobShardsTests
{
    [Fact]
    public void Crc16_matches_the_vector_Redis_documents()
    {
        Assert.Equal(0x31C3, Crc16.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void Only_the_hash_tag_decides_a_keys_slot()
    {
        Assert.Equal(Crc16.Slot("user1000"), Crc16.Slot("{user1000}.following"));
        Assert.Equal(Crc16.Slot("{user1000}.following"), Crc16.Slot("foo{user1000}:followers"));
        Assert.NotEqual(Crc16.Slot("foo{}{bar}"), Crc16.Slot("bar")); // an empty tag hashes the whole key
        Assert.Equal(Crc16.Slot("foo{{bar}}zap"), Crc16.Slot("{bar"));
    }

    [Fact]
    public void Twelve_shards_land_in_the_middle_of_twelve_distinct_equal_slot_ranges()
    {
        var shards = new JobShards(12);
        const int range = Crc16.SlotCount / 12;
        var slots = shards.All.Select(s => Crc16.Slot(s.Tag)).ToArray();

        Assert.Equal(12, slots.Distinct().Count());
        for (var i = 0; i < 12; i++)
        {
            Assert.Equal(i, slots[i] * 12 / Crc16.SlotCount);
            Assert.Equal(JobShards.TargetSlot(i, 12), slots[i]);
            Assert.InRange(slots[i] - (i * Crc16.SlotCount / 12), (range / 2) - 1, (range / 2) + 1);
        }

        // On a 3-master cluster with Redis's even split (0-5460, 5461-10922, 10923-16383): four shards per master.
        Assert.Equal([4, 4, 4], slots.GroupBy(s => s <= 5460 ? 0 : s <= 10922 ? 1 : 2).Select(g => g.Count()));
    }

    [Fact]
    public void Every_key_of_a_shard_carries_its_tag_right_after_the_prefix()
    {
        var shard = new JobShards(12)[3];

        Assert.Matches(@"^\{s3\.\d+\}$", shard.Tag);
        Assert.Equal($"wechatai:{shard.Tag}:jobs", Core.Queue.QueueKeys.JobStream(shard));
        Assert.Equal($"wechatai:{shard.Tag}:dedup:wx1:o-1:42", $"{shard.Prefix}dedup:wx1:o-1:42");
        Assert.Equal(Crc16.Slot(shard.Tag), Crc16.Slot(Core.Billing.BillingKeys.Credits(shard, "wx1", "o-1")));
        Assert.Equal(Crc16.Slot(shard.Tag), Crc16.Slot(Core.Stats.StatsKeys.Minutes(shard, DateTimeOffset.UtcNow)));
    }

    [Fact]
    public void A_user_always_gets_the_same_shard_and_users_spread_over_all_of_them()
    {
        var shards = new JobShards(12);
        var again = new JobShards(12);
        var users = Enumerable.Range(0, 12_000).Select(i => $"oUser{i:D6}-abcdefghijklmnop").ToArray();

        Assert.All(users, u => Assert.Equal(shards.Of(u).Index, again.Of(u).Index));
        var perShard = users.GroupBy(u => shards.Of(u).Index).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(12, perShard.Count);
        Assert.All(perShard.Values, n => Assert.InRange(n, 800, 1200));

        // FNV-1a of the UTF-8, pinned: a change here would move every user's keys and queue.
        Assert.Equal(0x811C9DC5u, JobShards.Hash(""));
        Assert.Equal(0xE40C292Cu, JobShards.Hash("a"));
        Assert.Equal(shards.Of("用户").Index, (int)(JobShards.Hash("用户") % 12));
    }

    [Fact]
    public void One_shard_and_the_most_allowed_work_too()
    {
        Assert.Equal(0, new JobShards(1).Of("anyone").Index);
        var most = new JobShards(JobShards.MaxCount);
        Assert.Equal(JobShards.MaxCount, most.All.Select(s => Crc16.Slot(s.Tag)).Distinct().Count());
        Assert.Throws<ArgumentOutOfRangeException>(() => new JobShards(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new JobShards(JobShards.MaxCount + 1));
    }
}
