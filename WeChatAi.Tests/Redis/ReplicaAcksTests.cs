using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Redis;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Redis;

/// <summary>
/// The replica acknowledgement against a real master and its real replica: a write is promised only once the replica
/// has it, a stopped replica turns the promise into a refusal within the timeout, concurrent callers share WAITs, and a
/// master whose replica is gone does not refuse everything.
/// </summary>
public sealed class ReplicaAcksTests : IAsyncLifetime
{
    // A refusal is timed with the short timeout; a success gets the longest allowed, as a loaded machine's replica may
    // take more than 300 ms to acknowledge.
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Patient = TimeSpan.FromMilliseconds(2000);
    private RedisServer _master = null!;
    private RedisReplica _replica = null!;
    private ConnectionMultiplexer _redis = null!;

    public async ValueTask InitializeAsync()
    {
        _master = await RedisServer.StartAsync();
        _replica = await RedisReplica.StartAsync(_master);
        _redis = await ConnectionMultiplexer.ConnectAsync(_master.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        await _replica.DisposeAsync();
        await _redis.DisposeAsync();
        await _master.DisposeAsync();
    }

    [Fact]
    public async Task A_write_is_promised_once_the_replica_has_it()
    {
        var acks = Create(replicas: 1, Patient);
        await _redis.GetDatabase().StringSetAsync("wechatai:test:a", "1");

        Assert.True(await acks.WaitAsync("wechatai:test:a"));

        await using var replica = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{_replica.Port}");
        Assert.Equal("1", await replica.GetDatabase().StringGetAsync("wechatai:test:a"));
    }

    [Fact]
    public async Task A_stopped_replica_turns_the_promise_into_a_refusal_within_the_timeout()
    {
        var acks = Create(replicas: 1, Timeout);
        _replica.Process.Signal("STOP");
        await _redis.GetDatabase().StringSetAsync("wechatai:test:b", "2");
        var started = DateTime.UtcNow;
        Assert.False(await acks.WaitAsync("wechatai:test:b"));
        Assert.InRange(DateTime.UtcNow - started, Timeout * 0.8, TimeSpan.FromSeconds(3));

        _replica.Process.Signal("CONT");
        Assert.True(await Create(replicas: 1, Patient).WaitAsync("wechatai:test:b"));
    }

    [Fact]
    public async Task Concurrent_callers_share_their_waits()
    {
        var acks = Create(replicas: 1, Patient);
        var before = await WaitCallsAsync();

        var db = _redis.GetDatabase();
        var results = await Task.WhenAll(Enumerable.Range(0, 300).Select(async i =>
        {
            await db.StringSetAsync($"wechatai:test:c:{i}", i);
            return await acks.WaitAsync($"wechatai:test:c:{i}");
        }));

        Assert.All(results, Assert.True);
        var waits = await WaitCallsAsync() - before;
        Assert.InRange(waits, 1, 150);
    }

    [Fact]
    public async Task A_master_without_a_replica_acknowledges_and_counts_it()
    {
        var acks = Create(replicas: 1, Patient);
        await _replica.Process.StopAsync("KILL");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await _redis.GetServer(_master.ConnectionString).RoleAsync() as Role.Master)?.Replicas.Count is > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the master still lists its killed replica");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        await _redis.GetDatabase().StringSetAsync("wechatai:test:d", "4");
        Assert.True(await acks.WaitAsync("wechatai:test:d"));
        Assert.Equal(1, acks.Unreplicated);
    }

    [Fact]
    public async Task Zero_replicas_asked_sends_no_wait()
    {
        var acks = Create(replicas: 0, Patient);
        var before = await WaitCallsAsync();

        Assert.False(acks.Enabled);
        Assert.True(await acks.WaitAsync("wechatai:test:e"));
        Assert.Equal(before, await WaitCallsAsync());
    }

    private ReplicaAcks Create(int replicas, TimeSpan timeout) =>
        new(_redis, Options.Create(new RedisOptions { ReplicaAcks = replicas, ReplicaAckTimeoutMs = (int)timeout.TotalMilliseconds }), TimeProvider.System, NullLogger<ReplicaAcks>.Instance);

    private async Task<long> WaitCallsAsync()
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(_master.ConnectionString + ",allowAdmin=true");
        var stats = await admin.GetServer(_master.ConnectionString).InfoAsync("commandstats");
        var line = stats.SelectMany(g => g).FirstOrDefault(p => p.Key == "cmdstat_wait").Value;
        return line is null ? 0 : long.Parse(line.Split(',')[0]["calls=".Length..], CultureInfo.InvariantCulture);
    }
}
