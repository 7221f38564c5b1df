using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using StackExchange.Redis;

namespace WeChatAi.AppHost.Infrastructure.Local;

/// <summary>Ready when Redis answers PING (not while it is still loading its AOF).</summary>
internal sealed class RedisPingHealthCheck(IResourceWithConnectionString resource) : IHealthCheck
{
    private Task<ConnectionMultiplexer>? _connecting;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connection = await (_connecting ??= ConnectAsync(cancellationToken));
            var latency = await connection.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy($"PING answered in {latency.TotalMilliseconds:F1} ms");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidOperationException)
        {
            if (_connecting is { IsFaulted: true })
            {
                _connecting = null;
            }

            return HealthCheckResult.Unhealthy(ex.Message);
        }
    }

    private async Task<ConnectionMultiplexer> ConnectAsync(CancellationToken cancellationToken)
    {
        var options = ConfigurationOptions.Parse(await resource.GetConnectionStringAsync(cancellationToken)
            ?? throw new InvalidOperationException($"{resource.Name} has no connection string yet."));
        // One connection that reconnects by itself, so a stopped and restarted Redis turns healthy again.
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 2000;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }
}

/// <summary>
/// Ready when every node that answers says <c>cluster_state:ok</c> with all 16,384 slots served: a node that does not
/// yet refuses every command (CLUSTERDOWN). A node that is down does not count, as long as its replica took over.
/// </summary>
internal sealed class RedisClusterHealthCheck(LocalRedisClusterResource cluster) : IHealthCheck
{
    private Task<ConnectionMultiplexer>? _connecting;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connection = await (_connecting ??= ConnectAsync());
            var nodes = connection.GetServers().Where(server => server.IsConnected).ToList();
            foreach (var node in nodes)
            {
                if (LocalRedisCluster.Unhealthy(await LocalRedisCluster.InfoAsync(node)) is { } unhealthy)
                {
                    return HealthCheckResult.Unhealthy($"{node.EndPoint}: {unhealthy}");
                }
            }

            return nodes.Count > 0
                ? HealthCheckResult.Healthy($"{nodes.Count} nodes answer: cluster_state:ok, every slot served")
                : HealthCheckResult.Unhealthy("no node answers");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy(ex.Message);
        }
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        // Connects whatever state the nodes are in, and keeps reconnecting, so the cluster turns healthy once formed.
        var options = ConfigurationOptions.Parse(LocalRedisCluster.ConnectionString(cluster.Ports));
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 2000;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }
}

/// <summary>Ready when PostgreSQL accepts a login to the resource's database and runs a query.</summary>
internal sealed class PostgresHealthCheck(IResourceWithConnectionString resource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connectionString = new NpgsqlConnectionStringBuilder(await resource.GetConnectionStringAsync(cancellationToken))
            {
                Pooling = false,
                Timeout = 3,
            };
            await using var connection = new NpgsqlConnection(connectionString.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy(ex.Message);
        }
    }
}
