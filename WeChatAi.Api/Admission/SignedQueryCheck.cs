using System.Globalization;
using StackExchange.Redis;
using WeChatAi.Core.Redis;

namespace WeChatAi.Api.Admission;

/// <summary>
/// A plaintext push's one-body-per-signed-query check (Webhook/SignedQueryReplay): <c>SET Key BodyHash NX GET EX
/// Seconds</c>. With one shard the query's key shares the shard's slot and the admission script runs the check (no round
/// trip of its own); with several, the key is of its own cluster slot, which a shard's script may not touch, so
/// admission sends the checks of a batch together just before its script (one extra round trip, plaintext mode only).
/// </summary>
public readonly record struct SignedQueryCheck(string Key, string BodyHash, long Seconds)
{
    /// <summary>Whether the admission script runs the check: one shard, whose slot the query's key then shares.</summary>
    public static bool InScript(JobShards shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        return shards.Count == 1;
    }

    /// <summary>
    /// True for the first body under the query and for the same body again; false for another body. Redis 7.0 accepts
    /// NX with GET: one round trip sets the first body's hash or returns the one already there.
    /// </summary>
    public static async Task<bool> RunAsync(IDatabaseAsync db, SignedQueryCheck check)
    {
        ArgumentNullException.ThrowIfNull(db);
        var first = await db.ExecuteAsync(
            "SET", (RedisKey)check.Key, check.BodyHash, "NX", "GET", "EX", check.Seconds.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        return first.IsNull || string.Equals((string?)first, check.BodyHash, StringComparison.Ordinal);
    }
}
