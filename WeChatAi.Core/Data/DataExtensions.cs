using Microsoft.Extensions.Hosting;

namespace WeChatAi.Core.Data;

public static class DataExtensions
{
    /// <summary>The connection name every service uses for PostgreSQL (<c>ConnectionStrings:wechatdb</c>).</summary>
    public const string ConnectionName = "wechatdb";

    /// <summary>Registers the pooled <see cref="WeChatDbContext"/> with Aspire's health check, retries and telemetry.</summary>
    public static TBuilder AddWeChatDatabase<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ConnectionStrings.Require(builder.Configuration, ConnectionName);
        builder.AddNpgsqlDbContext<WeChatDbContext>(ConnectionName);
        return builder;
    }
}
