using System.Globalization;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Redis;

namespace WeChatAi.Core.Stats;

/// <summary>
/// Redis keys for the daily figures behind <c>GET /api/stats</c>, shared by the webhook (received, users), the worker
/// (answered, latencies) and the API (reads them). A "day" is China's day (<see cref="BillingDay"/>, <c>yyyyMMdd</c>), the
/// day of quotas, orders and the console's overview, so every "today" an operator reads starts at midnight in China.
/// </summary>
public static class StatsKeys
{
    /// <summary>How long daily keys are kept after the day they count.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(8);

    /// <summary>Hash field: messages the webhook accepted today (HINCRBY by the webhook).</summary>
    public const string ReceivedField = "received";

    /// <summary>Hash field: messages whose answer was pushed today (HINCRBY by the worker).</summary>
    public const string AnsweredField = "answered";

    /// <summary>Hash field: jobs given up on today (HINCRBY by the worker).</summary>
    public const string DeadLetteredField = "dead_lettered";

    /// <summary>Hash field: answers kept for the user's next message (WeChat's limits) today.</summary>
    public const string DeferredField = "deferred";

    /// <summary>How many of today's latencies the shards' <see cref="Latencies"/> keep in all (most recent first).</summary>
    public const int LatencySampleSize = 10_000;

    /// <summary>How many of today's latencies one shard's <see cref="Latencies"/> keeps.</summary>
    public static int LatencySamplePerShard(int shards) => Math.Max(1, LatencySampleSize / shards);

    public static string Day(DateTimeOffset now) => BillingDay.Key(BillingDay.Of(now));

    /// <summary>Hash of today's counters (<see cref="ReceivedField"/>, <see cref="AnsweredField"/>, ...).</summary>
    public static string Counters(JobShard shard, DateTimeOffset now) => $"{shard.Prefix}stats:{Day(now)}";

    /// <summary>HyperLogLog of today's users' OpenIDs (PFADD by the webhook).</summary>
    public static string Users(JobShard shard, DateTimeOffset now) => $"{shard.Prefix}users:{Day(now)}";

    /// <summary>List of today's answer latencies in milliseconds (received to pushed), capped, newest first.</summary>
    public static string Latencies(JobShard shard, DateTimeOffset now) => $"{shard.Prefix}latency:{Day(now)}";

    /// <summary>
    /// How long <see cref="Minutes"/> is kept: its China day and the next, so the console's last hour reaches back over
    /// China's midnight.
    /// </summary>
    public static readonly TimeSpan MinutesRetention = TimeSpan.FromHours(50);

    /// <summary>Hash field of <see cref="Minutes"/>: tokens the LLM's answers took that day (HINCRBY by the worker).</summary>
    public const string PromptTokensField = "prompt_tokens";

    /// <inheritdoc cref="PromptTokensField"/>
    public const string CompletionTokensField = "completion_tokens";

    /// <summary>
    /// Hash of China's day (<see cref="BillingDay"/>, the day of quotas and orders) behind the console's overview: per
    /// minute, messages received (<see cref="ReceivedMinuteField"/>, the webhook) and answered
    /// (<see cref="AnsweredMinuteField"/>, the worker), and the day's tokens. Summing its minutes gives the day's figures.
    /// </summary>
    public static string Minutes(JobShard shard, DateTimeOffset time) => $"{shard.Prefix}minutes:{Day(time)}";

    /// <summary>Field of <see cref="Minutes"/>: messages admitted in <paramref name="time"/>'s minute (<c>r{HHmm}</c>, China's clock).</summary>
    public static string ReceivedMinuteField(DateTimeOffset time) => ReceivedMinutePrefix + MinuteOfDay(time);

    /// <summary>Field of <see cref="Minutes"/>: answers pushed in <paramref name="time"/>'s minute (<c>a{HHmm}</c>, China's clock).</summary>
    public static string AnsweredMinuteField(DateTimeOffset time) => AnsweredMinutePrefix + MinuteOfDay(time);

    public const string ReceivedMinutePrefix = "r";

    public const string AnsweredMinutePrefix = "a";

    /// <summary>How long <see cref="Calls"/> keys are kept: the overview reads the last 15 minutes.</summary>
    public static readonly TimeSpan CallsRetention = TimeSpan.FromMinutes(30);

    /// <summary>The outside services whose calls the worker counts in <see cref="Calls"/>.</summary>
    public const string LlmService = "llm";

    /// <inheritdoc cref="LlmService"/>
    public const string WeChatApiService = "wechat-api";

    /// <summary>
    /// Hash of one UTC minute (<c>yyyyMMddHHmm</c>): the worker's calls of each outside service and how many failed
    /// (<see cref="CallsField"/>, <see cref="ErrorsField"/>).
    /// </summary>
    public static string Calls(JobShard shard, DateTimeOffset time) => $"{shard.Prefix}calls:{time.UtcDateTime.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture)}";

    public static string CallsField(string service) => $"{service}:calls";

    public static string ErrorsField(string service) => $"{service}:errors";

    private static string MinuteOfDay(DateTimeOffset time) => time.ToOffset(BillingDay.Offset).ToString("HHmm", CultureInfo.InvariantCulture);
}
