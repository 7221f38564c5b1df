using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WeChatAi.Core.WeChatApi;

// In the builder's namespace, like the service defaults' extensions.
namespace Microsoft.Extensions.Hosting;

public static class AccessTokenExtensions
{
    /// <summary>The account's shared access token (<see cref="AccessTokenProvider"/>) and its <c>stable_token</c> client.</summary>
    public static IServiceCollection AddWeChatAccessTokens(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient<StableTokenClient>();
        services.TryAddSingleton<AccessTokenProvider>();
        return services;
    }
}
