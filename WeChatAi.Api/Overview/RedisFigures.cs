using StackExchange.Redis;
using WeChatAi.Core.Stats;

namespace WeChatAi.Api.Overview;

/// <summary>
/// What the overview reads from Redis besides <c>/api/stats</c>' figures: the minutes and totals of China's day
/// (<see cref="StatsKeys.Minutes"/>), the services' calls of the last minutes (<see cref="StatsKeys.Calls"/>) and a ping.
/// </summary>
internal sealed record RedisFigures(
    IReadOnlyList<MinuteFigures> Minutes, long ReceivedToday, long AnsweredToday, long PromptTokensToday, long CompletionTokensToday,
    IReadOnlyList<ServiceHealth> Services, TimeSpan Ping)
{
    public const int MinuteCount = 60;

    public static async Task<RedisFigures> ReadAsync(IDatabase db, DateTimeOffset now)
    {
        var thisMinute = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        var minutes = Enumerable.Range(0, MinuteCount).Select(i => thisMinute.AddMinutes(i - MinuteCount + 1)).ToArray();
        var todayKey = StatsKeys.Minutes(now);
        var ping = await db.PingAsync();

        var batch = db.CreateBatch();
        var today = batch.HashGetAllAsync(todayKey);

        // Only in China's first hour does the window reach into the day before.
        var earlier = minutes.Where(m => StatsKeys.Minutes(m) != todayKey).ToArray();
        var before = earlier.Length == 0
            ? Task.FromResult(Array.Empty<RedisValue>())
            : batch.HashGetAsync(StatsKeys.Minutes(earlier[0]), [.. earlier.SelectMany(m => new RedisValue[] { StatsKeys.ReceivedMinuteField(m), StatsKeys.AnsweredMinuteField(m) })]);
        var calls = minutes[^HealthStatus.WindowMinutes..].Select(m => batch.HashGetAllAsync(StatsKeys.Calls(m))).ToArray();
        batch.Execute();
        await Task.WhenAll([today, before, .. calls]);

        var fields = (await today).ToDictionary(e => e.Name.ToString(), e => (long)e.Value, StringComparer.Ordinal);
        var earlierValues = await before;
        for (int i = 0; i < earlier.Length; i++)
        {
            fields[StatsKeys.ReceivedMinuteField(earlier[i])] = (long)earlierValues[2 * i];
            fields[StatsKeys.AnsweredMinuteField(earlier[i])] = (long)earlierValues[(2 * i) + 1];
        }

        var series = minutes.Select(m => new MinuteFigures(
            m, fields.GetValueOrDefault(StatsKeys.ReceivedMinuteField(m)), fields.GetValueOrDefault(StatsKeys.AnsweredMinuteField(m)))).ToArray();
        var ofToday = (await today).Select(e => (Name: e.Name.ToString(), Value: (long)e.Value)).ToArray();
        var counted = (await Task.WhenAll(calls)).SelectMany(h => h).GroupBy(e => e.Name.ToString(), StringComparer.Ordinal)
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
