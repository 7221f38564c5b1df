using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using StackExchange.Redis;

namespace WeChatAi.Api.Purchase;

/// <summary>
/// OAuth2's <c>state</c>: a random value (WeChat allows only letters and digits, ≤ 128), bound to the browser by a
/// signed cookie holding the same value, and single use through a Redis key that the callback deletes.
/// </summary>
public sealed class OAuthStates(IDataProtectionProvider provider, IConnectionMultiplexer redis)
{
    public const string CookieName = "wechatai_oauth";

    /// <summary>WeChat's code lives 5 minutes; the login around it gets 10.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private readonly ITimeLimitedDataProtector _protector = provider.CreateProtector("WeChatAi.Purchase.OAuthState").ToTimeLimitedDataProtector();

    /// <summary>String, <see cref="Lifetime"/>: a state handed out and not used yet.</summary>
    public static string Key(string state) => $"wechatai:oauth:state:{state}";

    public async Task<string> BeginAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var state = RandomNumberGenerator.GetHexString(32, lowercase: true);
        await redis.GetDatabase().StringSetAsync(Key(state), "1", Lifetime).ConfigureAwait(false);
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
        try
        {
            expected = _protector.Unprotect(cookie);
        }
        catch (CryptographicException)
        {
            return "The state cookie is forged or expired; open /pay again.";
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(state)))
        {
            return "state does not belong to this browser's login.";
        }

        if (!await redis.GetDatabase().KeyDeleteAsync(Key(state)).ConfigureAwait(false))
        {
            return "state was already used or has expired; open /pay again.";
        }

        context.Response.Cookies.Delete(CookieName, PayerSession.Options(context, Lifetime, "/pay"));
        return null;
    }
}
