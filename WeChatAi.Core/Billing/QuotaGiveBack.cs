using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;

namespace WeChatAi.Core.Billing;

/// <summary>
/// Gives a question's charge back when it got no answer (dead-lettered) or was blocked by content safety: the free
/// question or the credit returns to the user in Redis at once, and a give-back entry on the usage stream becomes the
/// ledger row. Once per job, however often it is called.
/// </summary>
public sealed class QuotaGiveBack(IConnectionMultiplexer redis, JobShards shards, TimeProvider time)
{
    private static readonly RedisScript<GiveBackCall> Script = RedisScript.Load<GiveBackCall>(typeof(QuotaGiveBack), "QuotaGiveBack.lua",
        [UsageFields.ForScripts, new { ChargeFree = Charge.Free, BillingKeys.BalanceField, ReasonField = UsageFields.Reason, UsageFields.GiveBackPrefix }]);

    /// <summary>
    /// Returns what <paramref name="job"/> cost (nothing for a job admitted without a charge, e.g. an operator's retry of a
    /// dead letter already given back); true when this call gave it back.
    /// </summary>
    public async Task<bool> GiveBackAsync(AiJob job, string reason)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (ParseCharge(job.Charge, job.ReceivedAtUnixMs, time) is not var (kind, day))
        {
            return false;
        }

        var shard = shards.Of(job.OpenId);
        var result = await Script.EvaluateAsync(redis.GetDatabase(), new GiveBackCall(
            BillingKeys.GivenBack(shard, job.JobId), BillingKeys.FreeUsed(shard, job.AppId, job.OpenId, day), BillingKeys.Credits(shard, job.AppId, job.OpenId), BillingKeys.UsageStream(shard),
            kind, BillingDay.Key(day), job.AppId, job.OpenId, job.JobId, (long)BillingKeys.GivenBackTtl.TotalSeconds, reason)).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <summary>The charge's kind and day (<c>f:{yyyyMMdd}</c> or <c>c</c>, the day then from when it was received).</summary>
    public static (string Kind, DateOnly Day)? ParseCharge(string? charge, long receivedAtUnixMs, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (string.IsNullOrEmpty(charge))
        {
            return null;
        }

        var received = receivedAtUnixMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(receivedAtUnixMs) : time.GetUtcNow();
        if (charge == Charge.Credit)
        {
            return (Charge.Credit, BillingDay.Of(received));
        }

        return charge.StartsWith(Charge.Free + ":", StringComparison.Ordinal) && BillingDay.TryParse(charge[2..], out var day)
            ? (Charge.Free, day)
            : null;
    }

    /// <param name="GivenBack">The job's given-back marker (once per job).</param>
    /// <param name="FreeUsed">The user's free counter of the question's day.</param>
    /// <param name="Kind">The charge's kind (<see cref="Charge.Free"/> or <see cref="Charge.Credit"/>).</param>
    private sealed record GiveBackCall(
        RedisKey GivenBack, RedisKey FreeUsed, RedisKey Credits, RedisKey UsageStream,
        string Kind, string Day, string AppId, string OpenId, string JobId, long MarkerTtlSeconds, string Reason);
}
