using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace WeChatAi.Api.Purchase;

/// <summary>
/// Who is buying: the OpenID that OAuth gave us, kept in a Data Protection-signed, HTTP-only cookie (keys shared by
/// the replicas through Redis) and never taken from the client; and the CSRF token the page sends back with a POST.
/// </summary>
public sealed class PayerSession(IDataProtectionProvider provider)
{
    public const string CookieName = "wechatai_payer";

    /// <summary>The header a POST must carry: the token from <c>GET /api/me</c>, tied to the cookie's OpenID.</summary>
    public const string CsrfHeader = "X-CSRF-Token";

    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    private readonly ITimeLimitedDataProtector _payer = provider.CreateProtector("WeChatAi.Purchase.Payer").ToTimeLimitedDataProtector();
    private readonly IDataProtector _csrf = provider.CreateProtector("WeChatAi.Purchase.Csrf");

    public void SignIn(HttpContext context, string openId)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Cookies.Append(CookieName, _payer.Protect(openId, Lifetime), Options(context, Lifetime));
    }

    /// <summary>The cookie's OpenID, or null when it is absent, forged or expired.</summary>
    public string? OpenId(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value))
        {
            return null;
        }

        try
        {
            return _payer.Unprotect(value);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public string CsrfToken(string openId) => _csrf.Protect(openId);

    public bool HasValidCsrfToken(HttpContext context, string openId)
    {
        ArgumentNullException.ThrowIfNull(context);
        string? token = context.Request.Headers[CsrfHeader];
        if (string.IsNullOrEmpty(token))
        {
            return false;
        }

        try
        {
            return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(_csrf.Unprotect(token)), Encoding.UTF8.GetBytes(openId));
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>HTTP-only, Lax (sent on OAuth's top-level redirect back, not on other sites' POSTs), Secure over https.</summary>
    internal static CookieOptions Options(HttpContext context, TimeSpan lifetime, string path = "/") => new()
    {
        HttpOnly = true,
        Secure = context.Request.IsHttps,
        SameSite = SameSiteMode.Lax,
        Path = path,
        MaxAge = lifetime,
        IsEssential = true,
    };
}
