using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using StackExchange.Redis;
using WeChatAi.AppHost.Infrastructure;
using WeChatAi.AppHost.Infrastructure.Local;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Foundation;

/// <summary>
/// The AppHost's local cluster (<c>Redis:Topology=cluster</c>) really started by Aspire, alone: the services are left
/// out (until every script is one-slot they cannot run on a cluster; the full app's start is covered elsewhere).
/// </summary>
public sealed class LocalRedisClusterTests
{
    [Fact]
    public async Task The_cluster_forms_on_first_start_and_after_an_apphost_restart_rejoins_on_the_same_folders_with_its_keys()
    {
        var data = Directory.CreateTempSubdirectory("wechatai-local-cluster-").FullName;
        var first = FreePort.NextClusterRange(LocalRedisCluster.LocalNodes);
        var ct = TestContext.Current.CancellationToken;
        try
        {
            string nodeId;
            await using (var app = await StartAsync(data, first))
            {
                await using var connection = await ConnectionMultiplexer.ConnectAsync((await app.GetConnectionStringAsync("redis", ct))!);
                Assert.Null(LocalRedisCluster.Unhealthy(await LocalRedisCluster.InfoAsync(first, ct)));
                Assert.Equal(3, connection.GetServers().Count(server => !server.IsReplica));
                Assert.Equal(3, connection.GetServers().Count(server => server.IsReplica));
                await connection.GetDatabase().StringSetAsync("before-restart", "kept");
                nodeId = (await LocalRedisCluster.RedisCliAsync(["-p", first.ToString(CultureInfo.InvariantCulture), "cluster", "myid"], ct)).Trim();
                await app.StopAsync(ct);
            }

            await using (var again = await StartAsync(data, first))
            {
                await using var connection = await ConnectionMultiplexer.ConnectAsync((await again.GetConnectionStringAsync("redis", ct))!);
                Assert.Null(LocalRedisCluster.Unhealthy(await LocalRedisCluster.InfoAsync(first, ct)));
                Assert.Equal("kept", (string?)await connection.GetDatabase().StringGetAsync("before-restart"));
                // The same cluster rejoined from nodes.conf, not a new one formed over the old folders.
                Assert.Equal(nodeId, (await LocalRedisCluster.RedisCliAsync(["-p", first.ToString(CultureInfo.InvariantCulture), "cluster", "myid"], ct)).Trim());
                await again.StopAsync(ct);
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>
    /// The AppHost in local mode with <c>Redis:Topology=cluster</c>, all but the cluster's resources taken out of the
    /// model before it starts; returns once the cluster is healthy.
    /// </summary>
    private static async Task<DistributedApplication> StartAsync(string data, int firstPort)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.WeChatAi_AppHost>(
            ["Infrastructure:Mode=local", $"Infrastructure:DataDirectory={data}", "Redis:Topology=cluster", $"Redis:ClusterPort={firstPort}"], cts.Token);
        foreach (var other in builder.Resources.Where(r => r is not (LocalRedisClusterResource or LocalRedisClusterNodeResource)).ToList())
        {
            builder.Resources.Remove(other);
        }

        var app = await builder.BuildAsync(cts.Token);
        await app.StartAsync(cts.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync(InfrastructureExtensions.RedisName, cts.Token);
        return app;
    }
}
