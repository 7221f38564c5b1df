using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using StackExchange.Redis;

namespace WeChatAi.Api.Purchase;

/// <summary>
/// OAuth2's <c>state</c>: a random value (WeChat allows only letters and digits, ≤ 128), bound to the browser by a
/// cookie holding the same value signed with an expiry (Data Protection, whose key ring every replica reads from
/// Redis). Starting a login writes nothing to Redis; the callback, once the cookie's signature, expiry and value check
/// out, marks the state used (SET NX for the cookie's remaining lifetime), so it works once.
/// </summary>
public sealed class OAuthStates(IDataProtectionProvider provider, IConnectionMultiplexer redis, TimeProvider time)
{
    public const string CookieName = "wechatai_oauth";

    /// <summary>WeChat's code lives 5 minutes; the login around it gets 10.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private readonly ITimeLimitedDataProtector _protector = provider.CreateProtector("WeChatAi.Purchase.OAuthState").ToTimeLimitedDataProtector();

    /// <summary>String, the state's remaining lifetime (≤ <see cref="Lifetime"/>): a state whose callback came.</summary>
    public static string UsedKey(string state) => $"wechatai:oauth:used:{state}";

    public string Begin(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var state = RandomNumberGenerator.GetHexString(32, lowercase: true);
        context.Response.Cookies.Append(CookieName, _protector.Protect(state, Lifetime), PayerSession.Options(context, Lifetime, "/pay"));
        return state;
    }

    /// <summary>Checks and uses up <paramref name="state"/>; returns what is wrong with it, or null when it is good.</summary>
    public async Task<string?> CompleteAsync(HttpContext context, string? state)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrEmpty(state))
        {
            return "state is missing.";
        }

        if (!context.Request.Cookies.TryGetValue(CookieName, out var cookie) || string.IsNullOrEmpty(cookie))
        {
            return "This browser did not start the login (no state cookie); open /pay again.";
        }

        string expected;
        DateTimeOffset expires;
        try
        {
            expected = _protector.Unprotect(cookie, out expires);
        }
        catch (CryptographicException)
        {
            return "The state cookie is forged or expired; open /pay again.";
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(state)))
        {
            return "state does not belong to this browser's login.";
        }

        // Only a state this API signed reaches Redis, and its key lives no longer than the cookie could be replayed.
        var remaining = expires - time.GetUtcNow();
        if (remaining <= TimeSpan.Zero
            || !await redis.GetDatabase().StringSetAsync(UsedKey(state), "1", remaining, When.NotExists).ConfigureAwait(false))
        {
            return "state was already used or has expired; open /pay again.";
        }

        context.Response.Cookies.Delete(CookieName, PayerSession.Options(context, Lifetime, "/pay"));
        return null;
    }
}
