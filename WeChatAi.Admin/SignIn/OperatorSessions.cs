using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using WeChatAi.Admin.Api;

namespace WeChatAi.Admin.SignIn;

/// <summary>
/// Whether a signed-in operator is still the API's: their name configured and their stamp (which changes with the
/// password) the one they signed in with. Each answer is kept for <c>Admin:SessionCheckSeconds</c>, as the cookie is
/// checked on every request. An API that does not answer keeps the session: its pages fail on their own.
/// </summary>
public sealed partial class OperatorSessions(HttpClient http, IMemoryCache cache, IOptions<AdminApiOptions> options, ILogger<OperatorSessions> logger)
{
    public const string StampClaim = "wechatai:stamp";

    private const string Unknown = "";

    public async Task<bool> IsCurrentAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Identity is not { IsAuthenticated: true, Name: { Length: > 0 } name })
        {
            return false;
        }

        var stamp = user.FindFirstValue(StampClaim);
        var current = await cache.GetOrCreateAsync($"operator-stamp:{name}", async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = options.Value.SessionCheck;
            return await CurrentStampAsync(name, cancellationToken);
        });
        return current is Unknown || (stamp is not null && current == stamp);
    }

    /// <summary>The operator's stamp, null when the API has no such operator, <see cref="Unknown"/> when it does not answer.</summary>
    private async Task<string?> CurrentStampAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync("api/admin/sign-in/" + Uri.EscapeDataString(name), cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<SignedIn>(AdminApiJson.Options, cancellationToken))?.Stamp;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogUnchecked(logger, name, ex.Message);
            return Unknown;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The session of operator {Name} was not checked: the API did not answer ({Reason}); it is kept.")]
    private static partial void LogUnchecked(ILogger logger, string name, string reason);
}
