using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Api.Admission;
using WeChatAi.Api.Webhook;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;
using WeChatAi.Core.Stats;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Webhook;
using WeChatAi.Tests.Worker;

namespace WeChatAi.Tests.Redis;

/// <summary>The sharded keyspace against real Redis: slots as Redis computes them, one shard count per deployment, admission per shard.</summary>
public sealed class KeyspaceTests(PostgresServer postgres)
{
    [Fact]
    public async Task Every_shards_tag_and_keys_are_on_the_slot_Redis_computes_and_a_cluster_refuses_two_slots_in_one_script()
    {
        await using var redis = await RedisServer.StartAsync(cluster: true);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var server = connection.GetServers()[0];
        foreach (var count in new[] { 1, 3, 12 })
        {
            foreach (var shard in new JobShards(count).All)
            {
                Assert.Equal(Crc16.Slot(shard.Tag), (int)await server.ExecuteAsync("CLUSTER", "KEYSLOT", shard.Tag));
                Assert.Equal(JobShards.TargetSlot(shard.Index, count), (int)await server.ExecuteAsync("CLUSTER", "KEYSLOT", (string)QueueKeys.JobStream(shard)));
                Assert.Equal(Crc16.Slot(shard.Tag), (int)await server.ExecuteAsync("CLUSTER", "KEYSLOT", BillingKeys.FreeUsed(shard, "wx1", "o-1", new DateOnly(2026, 12, 7))));
            }
        }

        // What the cluster tests rely on: even a node owning every slot refuses a script over two.
        var db = connection.GetDatabase();
        var shards = TestShards.Default;
        // StackExchange.Redis refuses it before sending; the server refuses it too.
        RedisKey[] twoSlots = [QueueKeys.JobStream(shards[0]) + ":x", QueueKeys.JobStream(shards[1]) + ":x"];
        await Assert.ThrowsAsync<RedisCommandException>(() => db.ScriptEvaluateAsync("redis.call('SET', KEYS[1], 1); redis.call('SET', KEYS[2], 1)", twoSlots));
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => server.ExecuteAsync("EVAL", "redis.call('SET', KEYS[1], 1); redis.call('SET', KEYS[2], 1)", 2, (string)twoSlots[0]!, (string)twoSlots[1]!));
        Assert.Contains("slot", refused.Message, StringComparison.OrdinalIgnoreCase);
        await db.ScriptEvaluateAsync("redis.call('SET', KEYS[1], 1); redis.call('SET', KEYS[2], 1)", [QueueKeys.JobStream(shards[1]) + ":x", StatsKeys.Minutes(shards[1], DateTimeOffset.UtcNow)]);
    }

    [Fact]
    public async Task A_service_configured_with_another_shard_count_than_the_deployments_refuses_to_start_naming_the_setting()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        await connection.GetDatabase().StringSetAsync("wechatai:jobshards", "12");
        var database = await postgres.CreateMigratedDatabaseAsync();
        foreach (var service in new[] { "WeChatAi.Api", "WeChatAi.Worker" })
        {
            var (exitCode, output) = await ServiceProcess.RunToCompletionAsync(service, new Dictionary<string, string?>
            {
                ["ConnectionStrings__redis"] = redis.ConnectionString,
                ["ConnectionStrings__wechatdb"] = database,
                ["Redis__JobShards"] = "8",
            });

            Assert.NotEqual(0, exitCode);
            Assert.Contains("Redis:JobShards is 8", output, StringComparison.Ordinal);
            Assert.Contains("12 shards", output, StringComparison.Ordinal);
        }

        // Out of range: refused by the options' validation, naming the setting, before Redis is asked.
        var (badExit, badOutput) = await ServiceProcess.RunToCompletionAsync("WeChatAi.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = database,
            ["Redis__JobShards"] = "0",
        });
        Assert.NotEqual(0, badExit);
        Assert.Contains("Redis:JobShards must be between 1 and 256", badOutput, StringComparison.Ordinal);
        Assert.Equal("12", (string?)await connection.GetDatabase().StringGetAsync("wechatai:jobshards"));
    }

    [Fact]
    public async Task A_burst_of_users_of_many_shards_is_admitted_each_on_its_shards_stream_and_a_replayed_signed_query_only_once()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        await using var services = await AdmissionServicesAsync(connection, TestShards.Default);
        var admission = services.GetRequiredService<MessageAdmission>();
        var users = Enumerable.Range(0, 60).Select(i => $"o-burst-{i.ToString(CultureInfo.InvariantCulture)}").ToArray();

        var outcomes = await Task.WhenAll(users.SelectMany(u => Enumerable.Range(1, 3).Select(m =>
            admission.AdmitAsync("wxburst", $"{u}:{m}", u, m, $"问题{m}"))));

        Assert.All(outcomes, o => Assert.Equal(AdmissionOutcome.Enqueued, o.Outcome));
        var db = connection.GetDatabase();
        foreach (var shard in TestShards.Default.All)
        {
            var onStream = (await db.StreamRangeAsync(QueueKeys.JobStream(shard))).Select(AiJob.FromStreamEntry).ToList();
            Assert.All(onStream, j => Assert.Equal(shard.Index, TestShards.Of(j.OpenId).Index));
            Assert.Equal(users.Count(u => TestShards.Of(u) == shard) * 3, onStream.Count);
            foreach (var user in onStream.Select(j => j.OpenId).Distinct())
            {
                // A user's messages keep their order on their shard's stream.
                Assert.Equal([1L, 2L, 3L], onStream.Where(j => j.OpenId == user).Select(j => j.MsgId));
            }
        }

        Assert.True(users.Select(u => TestShards.Of(u).Index).Distinct().Count() >= 10);
        Assert.Equal(180, await db.CounterAsync(DateTimeOffset.UtcNow, StatsKeys.ReceivedField));

        // One signed query, two bodies, users of two shards, in one burst: the first body wins, the other is replayed,
        // neither claimed nor charged.
        var (first, second) = (users.First(u => TestShards.Of(u).Index == 2), users.First(u => TestShards.Of(u).Index == 9));
        var query = "wechatai:signed:wxburst:0123abcd";
        var results = await Task.WhenAll(
            admission.AdmitAsync("wxburst", $"{first}:50", first, 50, "原文", signedQuery: new SignedQueryCheck(query, "hash-a", 60)),
            admission.AdmitAsync("wxburst", $"{second}:51", second, 51, "篡改", signedQuery: new SignedQueryCheck(query, "hash-b", 60)));
        Assert.Equal(1, results.Count(r => r.Outcome == AdmissionOutcome.Enqueued));
        Assert.Equal(1, results.Count(r => r.Outcome == AdmissionOutcome.Replayed));
        var (replayedUser, msgId) = results[0].Outcome == AdmissionOutcome.Replayed ? (first, 50) : (second, 51);
        Assert.False(await db.KeyExistsAsync(AdmissionKeys.Dedup(TestShards.Of(replayedUser), "wxburst", $"{replayedUser}:{msgId}")));
        Assert.Equal(3, (long)await db.StringGetAsync(BillingKeys.FreeUsed(TestShards.Of(replayedUser), "wxburst", replayedUser, BillingDay.Of(DateTimeOffset.UtcNow))));

        // WeChat's retry of the winner (same body under the same query) is a duplicate, not a replay.
        var winner = replayedUser == first ? (second, 51, "hash-b") : (first, 50, "hash-a");
        var retry = await admission.AdmitAsync("wxburst", $"{winner.Item1}:{winner.Item2}", winner.Item1, winner.Item2, "重试", signedQuery: new SignedQueryCheck(query, winner.Item3, 60));
        Assert.Equal((AdmissionOutcome.Enqueued, true), (retry.Outcome, retry.IsDuplicate));
    }

    [Fact]
    public async Task A_busy_shard_does_not_starve_another_the_worker_reads_every_shard_in_turn()
    {
        await using var h = await WorkerHarness.StartAsync(postgres);
        h.Llm.Delay = TimeSpan.FromMilliseconds(10);
        await h.StartWorkerAsync(new Dictionary<string, string?>
        {
            ["Worker__InitialConcurrency"] = "4",
            ["Worker__MaxConcurrency"] = "4",
            ["Logging__LogLevel__Default"] = "Warning",
            // Rare and quiet, and each would hold answers back: a takeover, an answer left for the user's next message.
            ["Logging__LogLevel__WeChatAi.Worker.Consumer"] = "Information",
            ["Logging__LogLevel__WeChatAi.Worker.Delivery"] = "Information",
        });

        // 1,000 jobs of 200 users on shard 0, written straight onto its stream in one batch.
        const int busyJobs = 1000;
        var busy = Candidates(0).Take(200).ToArray();
        var batch = h.Db.CreateBatch();
        var writes = Enumerable.Range(0, busyJobs).Select(i => new AiJob(WorkerHarness.AppId, busy[i % busy.Length], 10_000 + i, "忙", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, null))
            .Select(job => batch.StreamAddAsync(QueueKeys.JobStream(TestShards.Default[0]), job.ToStreamEntry())).ToArray();
        batch.Execute();
        await Task.WhenAll(writes);
        await h.WaitUntilAsync(() => h.WeChat.Messages.Count >= 50, "shard 0 under way", TimeSpan.FromSeconds(60));

        // Then five users of shard 7, whose stream the worker found empty so far (it backed off from it).
        var quiet = Candidates(7).Take(5).ToArray();
        foreach (var user in quiet)
        {
            await h.EnqueueAsync(user, "轮到我了吗");
        }

        await h.WaitUntilAsync(() => quiet.All(u => h.WeChat.MessagesTo(u).Count == 1), "shard 7's five answers", TimeSpan.FromSeconds(60));
        var busyAnswered = h.WeChat.Messages.Count - quiet.Length;
        Assert.True(busyAnswered < busyJobs / 2, $"shard 7 waited for {busyAnswered} of shard 0's {busyJobs} jobs");
        await h.WaitUntilAsync(() => h.WeChat.Messages.Count >= busyJobs + quiet.Length, () => $"every job answered ({h.WeChat.Messages.Count} of {busyJobs + quiet.Length} pushed)", TimeSpan.FromSeconds(180));
    }

    [Fact]
    public async Task With_one_shard_a_signed_query_with_two_bodies_admits_the_first_and_replays_the_other()
    {
        // A one-node cluster: a key of the batch outside the shard's slot would have the script refused.
        await using var redis = await RedisServer.StartAsync(cluster: true);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var one = new JobShards(1);
        await using var services = await AdmissionServicesAsync(connection, one);
        var admission = services.GetRequiredService<MessageAdmission>();
        var query = SignedQueryReplay.Key("wxone", "0123ABCD");

        var results = await Task.WhenAll(
            admission.AdmitAsync("wxone", "o-a:50", "o-a", 50, "原文", signedQuery: new SignedQueryCheck(query, "hash-a", 60)),
            admission.AdmitAsync("wxone", "o-b:51", "o-b", 51, "篡改", signedQuery: new SignedQueryCheck(query, "hash-b", 60)));

        Assert.Equal(AdmissionOutcome.Enqueued, results[0].Outcome);
        Assert.Equal((AdmissionOutcome.Replayed, false), (results[1].Outcome, results[1].IsDuplicate));
        var db = connection.GetDatabase();
        Assert.Equal("hash-a", (string?)await db.StringGetAsync(query));
        Assert.InRange((await db.KeyTimeToLiveAsync(query))!.Value.TotalSeconds, 1, 60);
        Assert.False(await db.KeyExistsAsync(AdmissionKeys.Dedup(one[0], "wxone", "o-b:51")));
        Assert.False(await db.KeyExistsAsync(BillingKeys.FreeUsed(one[0], "wxone", "o-b", BillingDay.Of(DateTimeOffset.UtcNow))));
        Assert.Equal(["o-a"], (await db.StreamRangeAsync(QueueKeys.JobStream(one[0]))).Select(e => AiJob.FromStreamEntry(e).OpenId));

        // WeChat's retry of the winner (same body under the same query) is a duplicate, not a replay.
        var retry = await admission.AdmitAsync("wxone", "o-a:50", "o-a", 50, "重试", signedQuery: new SignedQueryCheck(query, "hash-a", 60));
        Assert.Equal((AdmissionOutcome.Enqueued, true), (retry.Outcome, retry.IsDuplicate));
        Assert.Equal(1, await db.StreamLengthAsync(QueueKeys.JobStream(one[0])));
    }

    [Fact]
    public async Task With_the_setting_unset_a_new_standalone_redis_gets_one_shard_that_the_api_and_the_worker_use_end_to_end()
    {
        await using var h = await WorkerHarness.StartAsync(postgres, SingleRedis.NewDeployment);
        await h.StartWorkerAsync();
        await using var api = await ServiceProcess.StartAsync("WeChatAi.Api", ApiEnvironment(h.Redis.ConnectionString, h.Database));
        Assert.Equal("1", (string?)await h.Db.StringGetAsync(ShardCountCheck.Key));

        var (status, _) = await WeChatClient.SendAsync(new WeChatClient(api.Client, Token).PostPlainAsync(WeChatClient.Text("o-one-shard", 1, "一个分片")));

        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        await h.WaitUntilAsync(() => h.WeChat.MessagesTo("o-one-shard").Count == 1, "the answer");
        var one = new JobShards(1)[0];
        Assert.Equal(1, (long)await h.Db.HashGetAsync(StatsKeys.Counters(one, DateTimeOffset.UtcNow), StatsKeys.ReceivedField));
        Assert.False(await h.Db.KeyExistsAsync(TestShards.JobStream("o-one-shard")));
    }

    [Fact]
    public async Task With_the_setting_unset_a_new_cluster_gets_twelve_shards_and_a_standalone_redis_that_recorded_twelve_keeps_them()
    {
        var database = await postgres.CreateMigratedDatabaseAsync();
        await using (var cluster = await RedisServer.StartAsync(cluster: true))
        {
            await using var api = await ServiceProcess.StartAsync("WeChatAi.Api", ApiEnvironment(cluster.ConnectionString, database));
            await using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
            Assert.Equal("12", (string?)await connection.GetDatabase().StringGetAsync(ShardCountCheck.Key));
        }

        await using var standalone = await RedisServer.StartAsync(cluster: false, recordedShards: 12);
        await using (var api = await ServiceProcess.StartAsync("WeChatAi.Api", ApiEnvironment(standalone.ConnectionString, database)))
        {
            var (status, _) = await WeChatClient.SendAsync(new WeChatClient(api.Client, Token).PostPlainAsync(WeChatClient.Text("o-twelve", 1, "十二个分片")));
            Assert.Equal(System.Net.HttpStatusCode.OK, status);
        }

        await using var db = await ConnectionMultiplexer.ConnectAsync(standalone.ConnectionString);
        Assert.Equal("12", (string?)await db.GetDatabase().StringGetAsync(ShardCountCheck.Key));
        Assert.Equal(1, await db.GetDatabase().StreamLengthAsync(TestShards.JobStream("o-twelve")));
    }

    private const string Token = "keyspace-token";

    private static Dictionary<string, string?> ApiEnvironment(string redis, string database) => new()
    {
        ["ConnectionStrings__redis"] = redis,
        ["ConnectionStrings__wechatdb"] = database,
        ["WeChat__Token"] = Token,
        ["WeChat__AppId"] = WorkerHarness.AppId,
    };

    /// <summary>What <see cref="MessageAdmission"/> needs, with <paramref name="shards"/> and a generous limit and quota.</summary>
    private async Task<ServiceProvider> AdmissionServicesAsync(ConnectionMultiplexer connection, JobShards shards)
    {
        var database = await postgres.CreateDatabaseAsync();
        return new ServiceCollection()
            .AddDbContext<WeChatDbContext>(o => o.UseNpgsql(database))
            .AddSingleton<IConnectionMultiplexer>(connection)
            .AddSingleton(TimeProvider.System)
            .AddSingleton(shards)
            .AddSingleton<CreditLedger>()
            .AddSingleton<CreditCache>()
            .AddSingleton(new ReplicaAcks(connection, Options.Create(new RedisOptions()), TimeProvider.System, NullLogger<ReplicaAcks>.Instance))
            .AddSingleton(Options.Create(new RateLimitOptions { PerUserBurst = 100, PerUserPerMinute = 1000 }))
            .Configure<BillingOptions>(o => o.FreeDailyMessages = 100)
            .AddSingleton<MessageAdmission>()
            .BuildServiceProvider();
    }

    private static IEnumerable<string> Candidates(int shard) =>
        Enumerable.Range(0, int.MaxValue).Select(i => $"user-s{shard.ToString(CultureInfo.InvariantCulture)}-{i.ToString(CultureInfo.InvariantCulture)}").Where(u => TestShards.Of(u).Index == shard);
}
