using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;
using WeChatAi.Core.Stats;

namespace WeChatAi.Tests.Infrastructure;

/// <summary>
/// The shards the services under test use, and readers over all of them: a test that counts jobs or dead letters counts
/// every shard's stream, as the API's figures do. A test's standalone Redis starts with this count recorded, as an
/// existing deployment's would (<see cref="RedisServer.StartAsync"/>), and a cluster's new deployment count is the same.
/// </summary>
internal static class TestShards
{
    public const int Count = JobShards.ClusterCount;

    public static readonly JobShards Default = new(Count);

    public static JobShard Of(string openId) => Default.Of(openId);

    /// <summary>The job stream of <paramref name="openId"/>'s shard.</summary>
    public static RedisKey JobStream(string openId) => QueueKeys.JobStream(Of(openId));

    public static async Task<long> JobCountAsync(this IDatabaseAsync db) =>
        (await Task.WhenAll(Default.All.Select(s => db.StreamLengthAsync(QueueKeys.JobStream(s))))).Sum();

    public static async Task<long> DeadLetterCountAsync(this IDatabaseAsync db) =>
        (await Task.WhenAll(Default.All.Select(s => db.StreamLengthAsync(QueueKeys.DeadLetterStream(s))))).Sum();

    /// <summary>Every shard's job entries, oldest first.</summary>
    public static Task<StreamEntry[]> JobEntriesAsync(this IDatabaseAsync db) => MergedAsync(db, QueueKeys.JobStream);

    /// <summary>Every shard's dead letters, oldest first.</summary>
    public static Task<StreamEntry[]> DeadLetterEntriesAsync(this IDatabaseAsync db) => MergedAsync(db, QueueKeys.DeadLetterStream);

    /// <summary>A field of today's counters, summed over the shards.</summary>
    public static async Task<long> CounterAsync(this IDatabaseAsync db, DateTimeOffset now, string field) =>
        (await Task.WhenAll(Default.All.Select(s => db.HashGetAsync(StatsKeys.Counters(s, now), field)))).Sum(v => (long?)v ?? 0);

    /// <summary>A field of a minute's service calls, summed over the shards.</summary>
    public static async Task<long> CallsAsync(this IDatabaseAsync db, DateTimeOffset minute, string field) =>
        (await Task.WhenAll(Default.All.Select(s => db.HashGetAsync(StatsKeys.Calls(s, minute), field)))).Sum(v => (long?)v ?? 0);

    /// <summary>A field of China's day's minutes hash, summed over the shards.</summary>
    public static async Task<long> MinutesAsync(this IDatabaseAsync db, DateTimeOffset day, string field) =>
        (await Task.WhenAll(Default.All.Select(s => db.HashGetAsync(StatsKeys.Minutes(s, day), field)))).Sum(v => (long?)v ?? 0);

    private static async Task<StreamEntry[]> MergedAsync(IDatabaseAsync db, Func<JobShard, string> stream)
    {
        var all = await Task.WhenAll(Default.All.Select(s => db.StreamRangeAsync(stream(s))));
        return [.. all.SelectMany(e => e).OrderBy(e => Order(e.Id))];
    }

    private static (ulong, ulong) Order(RedisValue id)
    {
        var parts = id.ToString().Split('-');
        return (ulong.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), ulong.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
