using Microsoft.Extensions.Configuration;

namespace WeChatAi.Core;

internal static class ConnectionStrings
{
    /// <summary>Fails at startup, naming the setting, instead of at the first request that needs the store.</summary>
    public static void Require(IConfiguration configuration, string name)
    {
        if (string.IsNullOrWhiteSpace(configuration.GetConnectionString(name)))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{name} is not set. Set it (environment variable ConnectionStrings__{name}) " +
                "or start the service through the AppHost, which sets it.");
        }
    }
}
