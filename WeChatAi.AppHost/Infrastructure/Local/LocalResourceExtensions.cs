using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace WeChatAi.AppHost.Infrastructure.Local;

/// <summary>
/// Redis and PostgreSQL as local processes, for machines without a container engine. They keep
/// <c>WithReference</c>/<c>WaitFor</c> working as the containers do: a connection string, an endpoint, health checks.
/// </summary>
public static class LocalResourceExtensions
{
    public static IResourceBuilder<LocalRedisResource> AddLocalRedis(
        this IDistributedApplicationBuilder builder, string name, string dataDirectory, RedisDurability durability)
    {
        var command = LocalBinaries.RedisServer();
        Directory.CreateDirectory(dataDirectory);
        var redis = new LocalRedisResource(name, command, dataDirectory);
        return builder.AddResource(redis)
            .WithEndpoint(scheme: "tcp", name: LocalRedisResource.EndpointName)
            .WithArgs(context =>
            {
                context.Args.Add("--port");
                context.Args.Add(redis.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                foreach (var argument in (string[])["--bind", "127.0.0.1", "--dir", dataDirectory, .. RedisSettings.QueueArguments(durability)])
                {
                    context.Args.Add(argument);
                }
            })
            .WithLocalHealthCheck(new RedisPingHealthCheck(redis));
    }

    public static IResourceBuilder<LocalPostgresServerResource> AddLocalPostgres(
        this IDistributedApplicationBuilder builder, string name, string dataRoot)
    {
        var postgres = Path.Combine(LocalBinaries.PostgresBinDirectory(), "postgres");
        var cluster = LocalPostgresCluster.Ensure(dataRoot);
        var password = builder.AddParameter($"{name}-password", cluster.Password, secret: true);
        var (command, prefix) = LocalBinaries.AsPostgresUser(postgres);
        var server = new LocalPostgresServerResource(name, command, cluster.DataDirectory, password.Resource);
        return builder.AddResource(server)
            .WithEndpoint(scheme: "tcp", name: LocalPostgresServerResource.EndpointName)
            .WithArgs(context =>
            {
                foreach (var argument in prefix.Concat(cluster.ServerArguments(server.PrimaryEndpoint.Property(EndpointProperty.TargetPort))))
                {
                    context.Args.Add(argument);
                }
            })
            .WithLocalHealthCheck(new PostgresHealthCheck(server));
    }

    /// <summary>
    /// Adds a database that is created (if missing) once its server is ready. Aspire passes a server's state on to
    /// its databases only for containers, so this publishes the database's Running state itself.
    /// </summary>
    public static IResourceBuilder<LocalPostgresDatabaseResource> AddDatabase(
        this IResourceBuilder<LocalPostgresServerResource> server, string name)
    {
        var builder = server.ApplicationBuilder;
        var database = new LocalPostgresDatabaseResource(name, name, server.Resource);
        builder.Eventing.Subscribe<ResourceReadyEvent>(server.Resource, async (@event, cancellationToken) =>
        {
            await CreateDatabaseIfMissingAsync(server.Resource, database.DatabaseName, cancellationToken);
            await @event.Services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(database, snapshot => snapshot with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            });
        });

        return builder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.Waiting,
                Properties = [],
            })
            .WithLocalHealthCheck(new PostgresHealthCheck(database));
    }

    internal static IResourceBuilder<T> WithLocalHealthCheck<T>(this IResourceBuilder<T> resource, IHealthCheck check)
        where T : IResource
    {
        var key = $"{resource.Resource.Name}_check";
        resource.ApplicationBuilder.Services.AddHealthChecks()
            .Add(new HealthCheckRegistration(key, _ => check, failureStatus: null, tags: null));
        return resource.WithHealthCheck(key);
    }

    private static async Task CreateDatabaseIfMissingAsync(
        IResourceWithConnectionString server, string databaseName, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(await server.GetConnectionStringAsync(cancellationToken));
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection)
        {
            Parameters = { new() { Value = databaseName } },
        };
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            // Database names cannot be parameters; the name is ours (a resource name), quoted as an identifier.
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{databaseName.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
