using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace WeChatAi.Api.Admin;

/// <summary>
/// Lets a request through only with the <c>Admin:ApiKey</c>, sent as <c>X-Admin-Key</c> or <c>Authorization: Bearer</c>.
/// Both keys are hashed before the constant-time comparison, so neither content nor length shows in the timing.
/// <c>MapAdminApi</c> puts it on the one <c>/api/admin</c> group with <see cref="AdminKeyMetadata"/>, which the
/// endpoint inventory test looks for.
/// </summary>
internal sealed class AdminKeyFilter(IOptions<AdminOptions> options) : IEndpointFilter
{
    public const string HeaderName = "X-Admin-Key";

    private readonly byte[]? _expected = options.Value.IsConfigured ? Hash(options.Value.ApiKey!) : null;

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_expected is null)
        {
            return AdminRequests.Refusal(StatusCodes.Status503ServiceUnavailable, "Admin:ApiKey is not configured: the admin endpoints are disabled.");
        }

        var http = context.HttpContext;
        var presented = PresentedKey(http.Request);
        if (presented is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return AdminRequests.Refusal(StatusCodes.Status401Unauthorized, $"Send the admin key in the {HeaderName} header or as Authorization: Bearer <key>.");
        }

        if (!CryptographicOperations.FixedTimeEquals(Hash(presented), _expected))
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return AdminRequests.Refusal(StatusCodes.Status401Unauthorized, "The admin key is wrong.");
        }

        return next(context);
    }

    private static string? PresentedKey(HttpRequest request)
    {
        var header = request.Headers[HeaderName].ToString();
        if (header.Length > 0)
        {
            return header;
        }

        var authorization = request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        return authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) && authorization.Length > bearer.Length
            ? authorization[bearer.Length..].Trim()
            : null;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}

/// <summary>Marks an endpoint behind <see cref="AdminKeyFilter"/> (the <c>/api/admin</c> group adds both).</summary>
public sealed class AdminKeyMetadata
{
    public static AdminKeyMetadata Instance { get; } = new();

    private AdminKeyMetadata()
    {
    }
}
