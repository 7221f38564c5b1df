using System.Diagnostics;
using StackExchange.Redis;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Redis;

/// <summary>
/// The test cluster and the faults the chaos tests build on, against real nodes: a promoted replica, a killed master's
/// replica taking over and the old master rejoining as a replica, slots moved with their keys while a client keeps reading.
/// </summary>
public sealed class RedisClusterTests
{
    [Fact]
    public async Task Three_masters_form_a_cluster_that_a_node_list_connection_string_serves_whole()
    {
        var started = Stopwatch.StartNew();
        await using var cluster = await RedisCluster.StartAsync(masters: 3);
        TestContext.Current.SendDiagnosticMessage($"3 masters formed in {started.Elapsed.TotalSeconds:F1} s");
        await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
        var db = connection.GetDatabase();

        var keys = Enumerable.Range(0, 60).Select(i => (RedisKey)$"key-{i}").ToArray();
        foreach (var key in keys)
        {
            await db.StringSetAsync(key, key.ToString());
        }

        // Each master serves a third of the slots, and the keys spread over all three.
        var masters = await cluster.MastersAsync();
        Assert.Equal(3, masters.Count);
        foreach (var master in masters)
        {
            Assert.InRange(long.Parse(await master.CliAsync("dbsize"), System.Globalization.CultureInfo.InvariantCulture), 1, 59);
        }

        Assert.All(keys, key => Assert.Equal(key.ToString(), (string?)db.StringGet(key)));
        Assert.All(cluster.ConnectionString.Split(','), node => Assert.InRange(int.Parse(node.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture), 1024, 55535));
    }

    [Fact]
    public async Task A_promoted_replica_and_a_killed_masters_replica_take_over_and_the_old_master_rejoins_as_a_replica()
    {
        await using var cluster = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 1);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
        var db = connection.GetDatabase();
        await db.StringSetAsync("before", "kept");

        var first = (await cluster.MastersAsync())[0];
        var promoted = Assert.Single(await cluster.ReplicasOfAsync(first));
        await cluster.FailoverAsync(promoted);
        Assert.Contains(promoted, await cluster.MastersAsync());
        Assert.Contains(first, await cluster.ReplicasOfAsync(promoted));

        var successor = await cluster.KillMasterAsync(promoted);
        Assert.Equal(first, successor);
        Assert.DoesNotContain(promoted, await cluster.MastersAsync());

        await cluster.RestartAsync(promoted);
        Assert.Contains(promoted, await cluster.ReplicasOfAsync(first));
        Assert.Equal("kept", (string?)await db.StringGetAsync("before"));
    }

    [Fact]
    public async Task Slots_move_between_masters_with_their_keys()
    {
        await using var cluster = await RedisCluster.StartAsync(masters: 3);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
        var db = connection.GetDatabase();
        var keys = Enumerable.Range(0, 200).Select(i => (RedisKey)$"moving-{i}").ToArray();
        foreach (var key in keys)
        {
            await db.StringSetAsync(key, key.ToString());
        }

        var (from, to) = (cluster.Nodes[0], cluster.Nodes[1]);
        var before = long.Parse(await to.CliAsync("dbsize"), System.Globalization.CultureInfo.InvariantCulture);
        await cluster.MoveSlotsAsync(from, to, 1000);

        Assert.True(long.Parse(await to.CliAsync("dbsize"), System.Globalization.CultureInfo.InvariantCulture) > before, "keys moved with their slots");
        foreach (var key in keys)
        {
            Assert.Equal(key.ToString(), (string?)await db.StringGetAsync(key)); // MOVED followed
        }
    }
}
