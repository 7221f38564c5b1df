using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Mvc;
using System.Threading.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WeChatAi.Admin.SignIn;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds and maps it with one line each.
namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Operators sign in on <c>/sign-in</c> (checked by the API) and hold a cookie: HttpOnly, SameSite=Strict, Secure on
/// HTTPS, 8 hours sliding. Every page but the sign-in page requires it. The cookie on each request and an open page's
/// circuit every <c>Admin:SessionCheckSeconds</c> are checked against the API (<see cref="OperatorSessions"/>), so a
/// removed operator or a changed password ends their sessions.
/// </summary>
public static class SignInExtensions
{
    public const string SignInPath = "/sign-in";

    public const string SignOutPath = "/sign-out";

    public const string CookieName = "wechatai-console";

    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    /// <summary>Sign-in posts one browser address may make per minute; the API's own slowing and blocking come after.</summary>
    public const int SignInPostsPerMinute = 20;

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
                options.Events.OnValidatePrincipal = RejectOutdatedAsync;
            });
        builder.Services.AddAuthorization();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddMemoryCache();

        // One quick try: the answer is kept for the check's interval, and a page load must not wait on retries.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is the documented way to replace the defaults' handler.
        builder.Services.AddHttpClient<OperatorSessions>((services, http) =>
            {
                AdminApiExtensions.ToApi(services, http);
                http.Timeout = TimeSpan.FromSeconds(5);
            })
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        // In place of the one the Razor components registered (AddConsoleUi), which never looks at the user again.
        builder.Services.Replace(ServiceDescriptor.Scoped<AuthenticationStateProvider, OperatorRevalidation>());

        // The form's posts per browser address, before they reach the API: a flood from one address neither fills the
        // audit nor spends the API's per-address budget that every page of the console shares.
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (context, cancellationToken) =>
                new ValueTask(context.HttpContext.Response.WriteAsync("Too many sign-in attempts from this address; wait a minute and try again.", cancellationToken));
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                HttpMethods.IsPost(http.Request.Method) && http.Request.Path.Equals(SignInPath, StringComparison.OrdinalIgnoreCase)
                    ? RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = SignInPostsPerMinute,
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                    })
                    : RateLimitPartition.GetNoLimiter(string.Empty));
        });
        return builder;
    }

    private static async Task RejectOutdatedAsync(CookieValidatePrincipalContext context)
    {
        var sessions = context.HttpContext.RequestServices.GetRequiredService<OperatorSessions>();
        if (context.Principal is null || !await sessions.IsCurrentAsync(context.Principal, context.HttpContext.RequestAborted))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }

    public static WebApplication UseConsoleSignIn(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseRateLimiter();
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
