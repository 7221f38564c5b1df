using StackExchange.Redis;
using WeChatAi.Core.Redis;
using WeChatAi.Core.Stats;

namespace WeChatAi.Api.Overview;

/// <summary>
/// What the overview reads from Redis besides <c>/api/stats</c>' figures: the minutes and totals of China's day
/// (<see cref="StatsKeys.Minutes"/>), the services' calls of the last minutes (<see cref="StatsKeys.Calls"/>) and a ping;
/// each summed over the shards, read in one pipelined batch.
/// </summary>
internal sealed record RedisFigures(
    IReadOnlyList<MinuteFigures> Minutes, long ReceivedToday, long AnsweredToday, long PromptTokensToday, long CompletionTokensToday,
    IReadOnlyList<ServiceHealth> Services, TimeSpan Ping)
{
    public const int MinuteCount = 60;

    public static async Task<RedisFigures> ReadAsync(IDatabase db, JobShards shards, DateTimeOffset now)
    {
        var thisMinute = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        var minutes = Enumerable.Range(0, MinuteCount).Select(i => thisMinute.AddMinutes(i - MinuteCount + 1)).ToArray();
        var ping = await db.PingAsync();

        // Only in China's first hour does the window reach into the day before.
        var earlier = minutes.Where(m => StatsKeys.Day(m) != StatsKeys.Day(now)).ToArray();
        RedisValue[] earlierFields = [.. earlier.SelectMany(m => new RedisValue[] { StatsKeys.ReceivedMinuteField(m), StatsKeys.AnsweredMinuteField(m) })];
        var batch = db.CreateBatch();
        var today = shards.All.Select(shard => batch.HashGetAllAsync(StatsKeys.Minutes(shard, now))).ToArray();
        var before = earlier.Length == 0
            ? []
            : shards.All.Select(shard => batch.HashGetAsync(StatsKeys.Minutes(shard, earlier[0]), earlierFields)).ToArray();
        var calls = minutes[^HealthStatus.WindowMinutes..].SelectMany(m => shards.All.Select(shard => batch.HashGetAllAsync(StatsKeys.Calls(shard, m)))).ToArray();
        batch.Execute();
        await Task.WhenAll([.. today, .. before, .. calls]);

        var ofToday = today.SelectMany(t => t.Result).GroupBy(e => e.Name.ToString(), StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Value: g.Sum(e => (long)e.Value))).ToArray();
        var fields = ofToday.ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal);
        for (int i = 0; i < earlier.Length; i++)
        {
            fields[StatsKeys.ReceivedMinuteField(earlier[i])] = before.Sum(b => (long)b.Result[2 * i]);
            fields[StatsKeys.AnsweredMinuteField(earlier[i])] = before.Sum(b => (long)b.Result[(2 * i) + 1]);
        }

        var series = minutes.Select(m => new MinuteFigures(
            m, fields.GetValueOrDefault(StatsKeys.ReceivedMinuteField(m)), fields.GetValueOrDefault(StatsKeys.AnsweredMinuteField(m)))).ToArray();
        var counted = calls.SelectMany(h => h.Result).GroupBy(e => e.Name.ToString(), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(e => (long)e.Value), StringComparer.Ordinal);
        return new RedisFigures(
            series,
            SumOfMinutes(ofToday, StatsKeys.ReceivedMinutePrefix),
            SumOfMinutes(ofToday, StatsKeys.AnsweredMinutePrefix),
            fields.GetValueOrDefault(StatsKeys.PromptTokensField),
            fields.GetValueOrDefault(StatsKeys.CompletionTokensField),
            [.. HealthStatus.Services.Select(s => HealthStatus.Service(s, counted.GetValueOrDefault(StatsKeys.CallsField(s)), counted.GetValueOrDefault(StatsKeys.ErrorsField(s))))],
            ping);
    }

    /// <summary>China's day so far: the sum of its minute fields (<c>r{HHmm}</c> or <c>a{HHmm}</c>).</summary>
    private static long SumOfMinutes(IEnumerable<(string Name, long Value)> fields, string prefix) =>
        fields.Where(f => f.Name.Length == prefix.Length + 4 && f.Name.StartsWith(prefix, StringComparison.Ordinal)).Sum(f => f.Value);
}
