using StackExchange.Redis;
using WeChatAi.Core.Queue;

namespace WeChatAi.Core.Billing;

/// <summary>
/// Gives a question's charge back when it got no answer (dead-lettered) or was blocked by content safety: the free
/// question or the credit returns to the user in Redis at once, and a give-back entry on the usage stream becomes the
/// ledger row. Once per job, however often it is called.
/// </summary>
public sealed class QuotaGiveBack(IConnectionMultiplexer redis, TimeProvider time)
{
    // KEYS: the given-back marker, the day's free counter, the credit balance, the usage stream.
    // ARGV: the charge kind, day, AppId, OpenID, job id, marker TTL seconds, reason.
    private const string Script = $"""
        if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[6]) then
          return 0
        end
        if ARGV[1] == '{Charge.Free}' then
          if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then
            redis.call('DECR', KEYS[2])
          end
        elseif redis.call('EXISTS', KEYS[3]) == 1 then
          redis.call('HINCRBY', KEYS[3], '{BillingKeys.BalanceField}', 1)
        end
        redis.call('XADD', KEYS[4], '*', '{UsageFields.AppId}', ARGV[3], '{UsageFields.OpenId}', ARGV[4], '{UsageFields.JobId}', ARGV[5],
          '{UsageFields.Kind}', '{UsageFields.GiveBackPrefix}' .. ARGV[1], '{UsageFields.Day}', ARGV[2], '{UsageFields.Reason}', ARGV[7])
        return 1
        """;

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

        var result = await redis.GetDatabase().ScriptEvaluateAsync(
            Script,
            [BillingKeys.GivenBack(job.JobId), BillingKeys.FreeUsed(job.AppId, job.OpenId, day), BillingKeys.Credits(job.AppId, job.OpenId), BillingKeys.UsageStream],
            [kind, BillingDay.Key(day), job.AppId, job.OpenId, job.JobId, (long)BillingKeys.GivenBackTtl.TotalSeconds, reason]).ConfigureAwait(false);
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
}
