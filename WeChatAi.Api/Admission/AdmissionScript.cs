using StackExchange.Redis;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Handoff;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;
using WeChatAi.Core.Replies;
using WeChatAi.Core.Stats;

namespace WeChatAi.Api.Admission;

/// <summary>
/// The admission script (<c>AdmissionScript.lua</c> beside this file): one call admits a batch of messages of one shard's
/// users (every key in the shard's slot), each de-duplicated, checked against the blocked set and the users handed to a person, limited, charged and enqueued, and counts them. Its call names
/// every key and argument (<see cref="AdmissionCall"/>, one <see cref="AdmittedMessage"/> per message); its reply is
/// per message the outcome and whether it was a duplicate, then the passive switch.
/// </summary>
internal static class AdmissionScript
{
    public const string Enqueued = "enqueued";
    public const string RateLimited = "rate_limited";
    public const string OverQuota = "over_quota";
    public const string Blocked = "blocked";
    public const string HandedOff = "handoff";

    // Not an outcome: the user's credit balance is not in Redis yet; the message is admitted again once it is loaded.
    public const string NeedsBalance = "load";

    private static readonly RedisScript<AdmissionCall> Script = RedisScript.Load<AdmissionCall>(typeof(AdmissionScript), "AdmissionScript.lua", [UsageFields.ForScripts, new
    {
        OutcomeEnqueued = Enqueued,
        OutcomeRateLimited = RateLimited,
        OutcomeOverQuota = OverQuota,
        OutcomeBlocked = Blocked,
        OutcomeHandoff = HandedOff,
        OutcomeNeedsBalance = NeedsBalance,
        JobField = AiJob.StreamField,
        ChargeField = AiJob.ChargeField,
        ChargeCredit = Charge.Credit,
        BillingKeys.BalanceField,
        ReceivedField = StatsKeys.ReceivedField,
    }]);

    /// <summary>Runs the script for <paramref name="messages"/> (none: it only compiles and reads the passive switch).</summary>
    /// <param name="receivedAt">When the first message came: one batch spans two days only at China's midnight, and its
    /// messages are counted on the first one's day.</param>
    public static Task<RedisResult> RunAsync(IDatabaseAsync db, JobShard shard, string appId, DateTimeOffset receivedAt, RateLimitOptions limits, int freePerDay, IReadOnlyList<AdmittedMessage> messages) =>
        Script.EvaluateAsync(db, new AdmissionCall(
            Jobs: QueueKeys.JobStream(shard),
            Counters: StatsKeys.Counters(shard, receivedAt),
            DayUsers: StatsKeys.Users(shard, receivedAt),
            PassiveSwitch: ReplyKeys.PassiveSwitch(shard, appId),
            UsageStream: BillingKeys.UsageStream(shard),
            Minutes: StatsKeys.Minutes(shard, receivedAt),
            BlockedSet: AdmissionKeys.Blocked(shard, appId),
            HandoffOpen: HandoffKeys.Open(shard, appId),
            PerMinute: limits.PerUserPerMinute,
            Burst: limits.PerUserBurst,
            DedupTtlSeconds: (long)MessageAdmission.DedupTtl.TotalSeconds,
            StatsTtlSeconds: (long)StatsKeys.Retention.TotalSeconds,
            FreePerDay: freePerDay,
            FreeUsedTtlSeconds: (long)BillingKeys.FreeUsedTtl.TotalSeconds,
            AppId: appId,
            MinuteField: StatsKeys.ReceivedMinuteField(receivedAt),
            MinutesTtlSeconds: (long)StatsKeys.MinutesRetention.TotalSeconds,
            Messages: messages));

    /// <summary>Message <paramref name="i"/>'s outcome; null when its balance must be loaded first (<see cref="NeedsBalance"/>).</summary>
    public static AdmissionOutcome? Outcome(RedisResult[] reply, int i) => (string?)reply[2 * i] switch
    {
        Enqueued => AdmissionOutcome.Enqueued,
        OverQuota => AdmissionOutcome.OverQuota,
        Blocked => AdmissionOutcome.Blocked,
        HandedOff => AdmissionOutcome.HandedOff,
        NeedsBalance => null,
        _ => AdmissionOutcome.RateLimited,
    };

    public static bool IsDuplicate(RedisResult[] reply, int i) => (long)reply[(2 * i) + 1] == 1;

    /// <summary>The worker found the account lacks customer-service permission: reply passively.</summary>
    public static bool PassiveSwitch(RedisResult[] reply) => (long)reply[^1] == 1;
}

/// <param name="Jobs">The job stream.</param>
/// <param name="Counters">Today's counters (received, rate-limited, over quota, blocked).</param>
/// <param name="DayUsers">Today's users (HyperLogLog).</param>
/// <param name="Minutes">The overview's minutes of China's day.</param>
/// <param name="PerMinute">The bucket's refill per minute.</param>
/// <param name="FreePerDay">Free questions per day (live: the operator may change it).</param>
/// <param name="MinuteField">The minute's field in <paramref name="Minutes"/>.</param>
internal sealed record AdmissionCall(
    RedisKey Jobs, RedisKey Counters, RedisKey DayUsers, RedisKey PassiveSwitch, RedisKey UsageStream, RedisKey Minutes, RedisKey BlockedSet, RedisKey HandoffOpen,
    int PerMinute, int Burst, long DedupTtlSeconds, long StatsTtlSeconds, int FreePerDay, long FreeUsedTtlSeconds, string AppId,
    string MinuteField, long MinutesTtlSeconds, IReadOnlyList<AdmittedMessage> Messages);

/// <summary>One message of an <see cref="AdmissionCall"/>.</summary>
/// <param name="Dedup">The outcome of its first delivery (<see cref="AdmissionKeys.Dedup"/>).</param>
/// <param name="Bucket">The user's GCRA bucket.</param>
/// <param name="FreeUsed">The user's free counter of the day.</param>
/// <param name="Credits">The user's credit balance.</param>
/// <param name="Job">The job's JSON.</param>
/// <param name="FreeCharge">Its charge as a free question: <c>f:{day}</c>, China's day it was received on.</param>
internal sealed record AdmittedMessage(
    RedisKey Dedup, RedisKey Bucket, RedisKey FreeUsed, RedisKey Credits, byte[] Job, string OpenId, string JobId, string FreeCharge);
