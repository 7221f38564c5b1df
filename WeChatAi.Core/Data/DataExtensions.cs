using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using WeChatAi.Core;
using WeChatAi.Core.Data;
using WeChatAi.Core.Readiness;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class DataExtensions
{
    /// <summary>The connection name every service uses for PostgreSQL (<c>ConnectionStrings:wechatdb</c>).</summary>
    public const string ConnectionName = "wechatdb";

    /// <summary>
    /// Registers the pooled <see cref="WeChatDbContext"/> with Aspire's health check, retries and telemetry, and the
    /// startup check of the database (<see cref="DatabaseWarmUp"/>, run where <c>AddWeChatRedis</c> holds the start).
    /// </summary>
    public static TBuilder AddWeChatDatabase<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ConnectionStrings.Require(builder.Configuration, ConnectionName);
        builder.AddNpgsqlDbContext<WeChatDbContext>(ConnectionName);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupWarmUp, DatabaseWarmUp>());
        return builder;
    }
}
