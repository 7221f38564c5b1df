using Microsoft.Extensions.Configuration;
using WeChatAi.AppHost.Infrastructure.Local;

namespace WeChatAi.AppHost.Infrastructure;

public static class InfrastructureExtensions
{
    public const string RedisName = "redis";
    public const string PostgresName = "postgres";
    public const string DatabaseName = "wechatdb";

    /// <summary>
    /// Adds <c>redis</c> and <c>postgres</c>/<c>wechatdb</c> in the mode <c>Infrastructure:Mode</c> asks for, so
    /// the rest of the app model is the same on a laptop with Docker, a CI runner without it, and production.
    /// </summary>
    public static WeChatInfrastructure AddWeChatInfrastructure(this IDistributedApplicationBuilder builder)
    {
        var configured = builder.Configuration["Infrastructure:Mode"];
        var mode = InfrastructureMode.Auto;
        if (!string.IsNullOrWhiteSpace(configured) && !Enum.TryParse(configured, ignoreCase: true, out mode))
        {
            throw new InvalidOperationException($"Infrastructure:Mode '{configured}' is not one of auto, containers, local, external.");
        }

        var reason = "as configured by Infrastructure:Mode";
        if (mode == InfrastructureMode.Auto)
        {
            var runtime = builder.Configuration["ASPIRE_CONTAINER_RUNTIME"] ?? "docker";
            mode = builder.ExecutionContext.IsPublishMode || ContainerRuntimeProbe.EngineAnswers(runtime)
                ? InfrastructureMode.Containers
                : InfrastructureMode.Local;
            reason = mode == InfrastructureMode.Containers
                ? $"'{runtime}' has a running engine"
                : $"no container engine answers to '{runtime} info'";
        }

        builder.LogAtStartup($"Infrastructure mode: {mode.ToString().ToLowerInvariant()} ({reason}).");

        var infrastructure = mode switch
        {
            InfrastructureMode.Containers => builder.AddContainerInfrastructure(),
            InfrastructureMode.Local => builder.AddLocalInfrastructure(),
            InfrastructureMode.External => builder.AddExternalInfrastructure(),
            _ => throw new InvalidOperationException($"Infrastructure:Mode '{configured}' is not one of auto, containers, local, external."),
        };
        return infrastructure with { Mode = mode };
    }

    private static WeChatInfrastructure AddContainerInfrastructure(this IDistributedApplicationBuilder builder)
    {
        var redis = builder.AddRedis(RedisName)
            .WithDataVolume()
            .WithArgs(RedisSettings.DurableQueueArguments);
        var database = builder.AddPostgres(PostgresName)
            .WithDataVolume()
            .AddDatabase(DatabaseName);
        return new(InfrastructureMode.Containers, redis, database);
    }

    private static WeChatInfrastructure AddLocalInfrastructure(this IDistributedApplicationBuilder builder)
    {
        var dataDirectory = Path.GetFullPath(
            builder.Configuration["Infrastructure:DataDirectory"] ?? Path.Combine(builder.AppHostDirectory, "..", ".data"));
        builder.LogAtStartup($"Local Redis and PostgreSQL keep their data in {dataDirectory}.");

        var redis = builder.AddLocalRedis(RedisName, Path.Combine(dataDirectory, "redis"));
        var database = builder.AddLocalPostgres(PostgresName, dataDirectory).AddDatabase(DatabaseName);
        return new(InfrastructureMode.Local, redis, database);
    }

    private static WeChatInfrastructure AddExternalInfrastructure(this IDistributedApplicationBuilder builder)
    {
        foreach (var name in new[] { RedisName, DatabaseName })
        {
            if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(name)))
            {
                throw new InvalidOperationException(
                    $"Infrastructure:Mode is 'external' but ConnectionStrings:{name} is not set.");
            }
        }

        return new(InfrastructureMode.External, builder.AddConnectionString(RedisName), builder.AddConnectionString(DatabaseName));
    }
}
