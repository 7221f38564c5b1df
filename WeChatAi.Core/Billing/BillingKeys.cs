using WeChatAi.Core.Redis;

namespace WeChatAi.Core.Billing;

/// <summary>Redis keys of quotas and credits, shared by the webhook (charges), the worker (give-backs, the drain) and the API.</summary>
public static class BillingKeys
{
    /// <summary>String, 2 days: free questions the user has used on <c>day</c> (China's day).</summary>
    public static string FreeUsed(JobShard shard, string appId, string openId, DateOnly day) => $"{shard.Prefix}free:{appId}:{openId}:{BillingDay.Key(day)}";

    public static readonly TimeSpan FreeUsedTtl = TimeSpan.FromDays(2);

    /// <summary>
    /// Hash: the user's live credit balance (<see cref="BalanceField"/>) and the last ledger row it includes
    /// (<see cref="WatermarkField"/>); loaded from PostgreSQL on first use, for <see cref="CreditsTtl"/>.
    /// </summary>
    public static string Credits(JobShard shard, string appId, string openId) => $"{shard.Prefix}credits:{appId}:{openId}";

    public const string BalanceField = "b";

    public const string WatermarkField = "w";

    /// <summary>A loaded balance is read again from PostgreSQL after a day, which repairs any drift.</summary>
    public static readonly TimeSpan CreditsTtl = TimeSpan.FromDays(1);

    /// <summary>String, 10 min: a ledger row that found no loaded balance, so a load racing it reads again.</summary>
    public static string CreditsStale(JobShard shard, string appId, string openId) => $"{shard.Prefix}credits:stale:{appId}:{openId}";

    /// <summary>Stream of the shard's charges and give-backs, written with them in Redis and drained into PostgreSQL by the worker.</summary>
    public static string UsageStream(JobShard shard) => $"{shard.Prefix}billing:usage";

    public const string UsageGroup = "billing";

    /// <summary>String: the job's charge was given back (once), kept as long as a dead letter.</summary>
    public static string GivenBack(JobShard shard, string jobId) => $"{shard.Prefix}billing:givenback:{jobId}";

    public static readonly TimeSpan GivenBackTtl = TimeSpan.FromDays(8);
}

/// <summary>The fields of a <see cref="BillingKeys.UsageStream"/> entry.</summary>
public static class UsageFields
{
    public const string AppId = "a";
    public const string OpenId = "u";
    public const string JobId = "j";

    /// <summary><see cref="Charge.Free"/>, <see cref="Charge.Credit"/>, or either prefixed with <see cref="GiveBackPrefix"/>.</summary>
    public const string Kind = "k";

    /// <summary>China's day of the question (<c>yyyyMMdd</c>).</summary>
    public const string Day = "d";

    public const string Reason = "r";

    public const string GiveBackPrefix = "g";

    /// <summary>The field names as constants of a script that writes a usage entry (Lua locals <c>appIdField</c>, …).</summary>
    public static readonly object ForScripts = new { AppIdField = AppId, OpenIdField = OpenId, JobIdField = JobId, KindField = Kind, DayField = Day };
}

/// <summary>What a question cost: written by the webhook's admission script into the job's stream entry.</summary>
public static class Charge
{
    public const string Free = "f";

    public const string Credit = "c";
}
