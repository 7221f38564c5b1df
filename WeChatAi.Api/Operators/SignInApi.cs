using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using WeChatAi.Api.Admin;

namespace WeChatAi.Api.Operators;

/// <summary>
/// <c>POST /api/admin/sign-in</c> <c>{name, password}</c>: 200 <c>{name, stamp}</c>, 401 (wrong name or password, one
/// message for both), 429 <c>{detail, retryAt}</c> with <c>Retry-After</c> (the name is slowed after failures), 423
/// <c>{detail, lockedUntil}</c> (the address is blocked). Every attempt is audited, with the name tried as the actor.
/// <c>GET /api/admin/sign-in/{name}</c>: 200 <c>{name, stamp}</c> while that operator is configured, else 404; the
/// console asks it to end sessions of a removed operator or of an old password.
/// </summary>
internal static class SignInApi
{
    public const string WrongNameOrPassword = "Wrong name or password.";

    public static Results<Ok<SignedIn>, ProblemHttpResult> Operator(string name, AdminSignIn signIn) =>
        signIn.Operator(name) is { } found
            ? TypedResults.Ok(new SignedIn(found.Name, found.Stamp))
            : TypedResults.Problem($"No console operator is named '{name}'.", statusCode: StatusCodes.Status404NotFound);

    public static async Task<Results<Ok<SignedIn>, ProblemHttpResult>> SignInAsync(HttpContext http, AdminSignIn signIn, AdminAudit audit, CancellationToken ct)
    {
        // Malformed JSON and missing fields get the same answer: the shape to send.
        var (body, _) = await AdminRequests.ReadJsonAsync(http.Request, SignInJson.Default.SignInRequest, "a sign-in", ct);
        if (string.IsNullOrEmpty(body?.Name) || string.IsNullOrEmpty(body.Password))
        {
            return AdminRequests.BadRequest("The body must be {\"name\": \"...\", \"password\": \"...\"}.");
        }

        if (!signIn.HasUsers)
        {
            return TypedResults.Problem("No console users are configured (Admin:Users or Admin:Password).", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        var address = CallerAddress(http);
        var outcome = await signIn.SignInAsync(body.Name, body.Password, address);
        var action = outcome switch
        {
            { Name: not null } => "signin.succeeded",
            { LockedUntil: not null } => "signin.locked",
            { RetryAt: not null } => "signin.slowed",
            _ => "signin.failed",
        };
        await audit.RecordAsync(body.Name, action, "console", new Dictionary<string, string?> { ["ip"] = address }, ct);
        return outcome switch
        {
            { Name: { } name, Stamp: { } stamp } => TypedResults.Ok(new SignedIn(name, stamp)),
            { RetryAt: { } retryAt } => Slowed(http, retryAt),
            { LockedUntil: { } until } => TypedResults.Problem(
                $"Too many failed sign-ins; try again after {until:u}.",
                statusCode: StatusCodes.Status423Locked,
                extensions: new Dictionary<string, object?> { ["lockedUntil"] = until }),
            _ => TypedResults.Problem(WrongNameOrPassword, statusCode: StatusCodes.Status401Unauthorized),
        };
    }

    private static ProblemHttpResult Slowed(HttpContext http, DateTimeOffset retryAt)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling((retryAt - DateTimeOffset.UtcNow).TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            $"Too many failed sign-ins for this name; try again in {seconds} s.",
            statusCode: StatusCodes.Status429TooManyRequests,
            extensions: new Dictionary<string, object?> { ["retryAt"] = retryAt });
    }

    /// <summary>The browser's address as the console passes it (its last <c>X-Forwarded-For</c> entry), else the peer's.</summary>
    private static string CallerAddress(HttpContext http)
    {
        var forwarded = http.Request.Headers["X-Forwarded-For"].ToString();
        var last = forwarded.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        var address = last ?? http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        return address.Length <= 64 ? address : address[..64];
    }

    internal sealed record SignInRequest(string? Name, string? Password);

    internal sealed record SignedIn(string Name, string Stamp);
}

[JsonSerializable(typeof(SignInApi.SignInRequest))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class SignInJson : JsonSerializerContext;
