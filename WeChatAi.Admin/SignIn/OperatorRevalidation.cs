using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Options;
using WeChatAi.Admin.Api;

namespace WeChatAi.Admin.SignIn;

/// <summary>
/// An open page's circuit outlives the request that signed it in: every <c>Admin:SessionCheckSeconds</c> it asks
/// <see cref="OperatorSessions"/> again, and a removed operator or a changed password signs the page out (the router
/// then sends it to the sign-in page, where the cookie is refused too).
/// </summary>
public sealed class OperatorRevalidation(ILoggerFactory loggerFactory, IServiceScopeFactory scopes, IOptions<AdminApiOptions> options)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => options.Value.SessionCheck;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authenticationState);
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OperatorSessions>().IsCurrentAsync(authenticationState.User, cancellationToken);
    }
}
