using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Api.Admission;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Api.Webhook;

/// <summary>
/// Plaintext pushes: the query's <c>signature</c> covers token, timestamp and nonce but not the body, so each signed
/// query string admits one body. WeChat's retry (the same body) passes; another body under the same query is refused.
/// </summary>
public sealed class SignedQueryReplay(IConnectionMultiplexer redis, IOptions<WeChatOptions> options, TimeProvider time)
{
    /// <summary>How long a query is remembered when the timestamp check is off (WeChat retries within about 15 s).</summary>
    public static readonly TimeSpan WindowWithoutTolerance = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// One key per signature, lowercased: the check accepts hex in any case, and every timestamp/nonce split of the same
    /// sorted string has the same signature, so neither gives a captured query a second key. A single key: one hash slot.
    /// </summary>
    public static string Key(string appId, string signature) => $"wechatai:signed:{appId}:{signature.ToLowerInvariant()}";

    /// <summary>The check for this push: the signed query's key, the body's hash and how long to remember it.</summary>
    public SignedQueryCheck For(string signature, long timestamp, byte[] bodyHash)
    {
        var settings = options.Value;

        // Remembered exactly while the timestamp is still accepted (authentication checked |now - timestamp| <= tolerance).
        long seconds = settings.TimestampToleranceSeconds > 0
            ? Math.Max(1, timestamp + settings.TimestampToleranceSeconds - time.GetUtcNow().ToUnixTimeSeconds() + 1)
            : (long)WindowWithoutTolerance.TotalSeconds;
        return new SignedQueryCheck(Key(settings.AppId!, signature), Convert.ToBase64String(bodyHash), seconds);
    }

    /// <summary>
    /// True for the first body under this signed query and for the same body again; false for another body. For pushes
    /// answered before admission (instant replies, events); a plain question has admission run it with its batch.
    /// </summary>
    public Task<bool> AdmitsAsync(SignedQueryCheck check) => SetFirstAsync(check.Key, check.BodyHash, check.Seconds);

    /// <summary>Runs the command once before the API listens (a 1-second key), so the first burst finds it compiled.</summary>
    public Task WarmUpAsync() => SetFirstAsync(Key(options.Value.AppId!, "warm-up"), "warm-up", 1);

    // Through a Redis restart it is sent again, like admission's script, until MessageAdmission.RedisWait: a command
    // cut on the wire may have run, and then it finds its own hash.
    private async Task<bool> SetFirstAsync(string key, string hash, long seconds)
    {
        var started = time.GetUtcNow();
        while (true)
        {
            try
            {
                return await SignedQueryCheck.RunAsync(redis.GetDatabase(), new SignedQueryCheck(key, hash, seconds)).ConfigureAwait(false);
            }
            catch (RedisConnectionException) when (time.GetUtcNow() - started < Admission.MessageAdmission.RedisWait)
            {
                await Task.Delay(RetryDelay, time).ConfigureAwait(false);
            }
        }
    }
}
