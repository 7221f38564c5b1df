using System.Globalization;

namespace WeChatAi.Core.Stats;

/// <summary>
/// Redis keys for the daily figures behind <c>GET /api/stats</c>, shared by the webhook (received, users), the worker
/// (answered, latencies) and the API (reads them). A "day" is the UTC calendar day (<c>yyyyMMdd</c>), as the webhook
/// counts it.
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

    /// <summary>How many of today's latencies <see cref="Latencies"/> keeps (most recent first).</summary>
    public const int LatencySampleSize = 10_000;

    public static string Day(DateTimeOffset now) =>
        now.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>Hash of today's counters (<see cref="ReceivedField"/>, <see cref="AnsweredField"/>, ...).</summary>
    public static string Counters(DateTimeOffset now) => $"wechatai:stats:{Day(now)}";

    /// <summary>HyperLogLog of today's users' OpenIDs (PFADD by the webhook).</summary>
    public static string Users(DateTimeOffset now) => $"wechatai:users:{Day(now)}";

    /// <summary>List of today's answer latencies in milliseconds (received to pushed), capped, newest first.</summary>
    public static string Latencies(DateTimeOffset now) => $"wechatai:latency:{Day(now)}";
}
