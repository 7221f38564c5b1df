using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds and maps it with one line each.
namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Operators sign in on <c>/sign-in</c> (checked by the API) and hold a cookie: HttpOnly, SameSite=Strict, Secure on
/// HTTPS, 8 hours sliding. Every page but the sign-in page requires it.
/// </summary>
public static class SignInExtensions
{
    public const string SignInPath = "/sign-in";

    public const string SignOutPath = "/sign-out";

    public const string CookieName = "wechatai-console";

    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    public static TBuilder AddConsoleSignIn<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.LoginPath = SignInPath;
                options.LogoutPath = SignOutPath;
                options.AccessDeniedPath = SignInPath;
                options.ReturnUrlParameter = "returnUrl";
                options.Cookie.Name = CookieName;
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = Lifetime;
                options.SlidingExpiration = true;
            });
        builder.Services.AddAuthorization();
        builder.Services.AddCascadingAuthenticationState();
        return builder;
    }

    public static WebApplication UseConsoleSignIn(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    /// <summary>
    /// <c>POST /sign-out</c>: the layout's form. Binding a form field is what makes the antiforgery check refuse a
    /// post without the token (400), so a page elsewhere cannot sign the operator out.
    /// </summary>
    public static WebApplication MapConsoleSignOut(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost(SignOutPath, async (HttpContext http, [FromForm(Name = "returnUrl")] string? returnUrl) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.LocalRedirect(SignInPath);
        });
        return app;
    }
}
