using System.Globalization;
using StackExchange.Redis;

namespace WeChatAi.Api.Admission;

/// <summary>
/// A plaintext push's one-body-per-signed-query check (Webhook/SignedQueryReplay): <c>SET Key BodyHash NX GET EX
/// Seconds</c>. Admission sends the checks of a batch together just before its script (one extra round trip, plaintext
/// mode only): the query's key is of its own cluster slot, which a shard's script may not touch.
/// </summary>
public readonly record struct SignedQueryCheck(string Key, string BodyHash, long Seconds)
{
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
