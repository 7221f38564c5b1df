using WeChatAi.Core;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class RedisExtensions
{
    /// <summary>The connection name every service uses for Redis (<c>ConnectionStrings:redis</c>).</summary>
    public const string ConnectionName = "redis";

    /// <summary>Registers the shared <c>IConnectionMultiplexer</c> with Aspire's health check and telemetry.</summary>
    public static TBuilder AddWeChatRedis<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ConnectionStrings.Require(builder.Configuration, ConnectionName);
        builder.AddRedisClient(ConnectionName);
        return builder;
    }
}
