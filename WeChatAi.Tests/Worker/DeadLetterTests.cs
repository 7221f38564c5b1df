using System.Globalization;
using System.Net;
using System.Text.Json;
using StackExchange.Redis;
using WeChatAi.Core.Data;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Replies;
using WeChatAi.Tests.Admin;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Worker.Common;

namespace WeChatAi.Tests.Worker;

/// <summary>Dead letters end to end: the real worker gives up on jobs, the operator retries or discards them through the real API.</summary>
public class DeadLetterTests : IAsyncLifetime
{
    private WorkerHarness _h = null!;
    private readonly PostgresServer _postgres;
    private readonly IRedisSource _redis;

    public DeadLetterTests(PostgresServer postgres)
        : this(postgres, SingleRedis.Source)
    {
    }

    protected DeadLetterTests(PostgresServer postgres, IRedisSource redis)
    {
        _postgres = postgres;
        _redis = redis;
    }

    public async ValueTask InitializeAsync() => _h = await WorkerHarness.StartAsync(_postgres, _redis);

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        await _h.DisposeAsync();
    }

    [Fact]
    public async Task A_retried_dead_letter_delivers_its_kept_answer_and_taken_over_parts_once_with_fresh_attempts()
    {
        const string user = "user-retry";
        await _h.Db.ListRightPushAsync(ReplyKeys.Pending(TestShards.Of(user), WorkerHarness.AppId, user), ["旧的一", "旧的二"]);

        // The first pending part goes out, then WeChat refuses the second on both attempts: dead-lettered with the
        // answer stored and both pending parts taken over.
        foreach (var fault in new[] { 0, -1, -1 })
        {
            _h.WeChat.SendFaults.Enqueue(fault);
        }

        await _h.StartWorkerAsync(new Dictionary<string, string?> { ["Worker__MaxAttempts"] = "2" });
        var job = await _h.EnqueueAsync(user, "问题");
        await _h.WaitForExchangesAsync(1);
        Assert.Equal(ExchangeOutcome.DeadLettered, (await _h.ExchangesAsync())[0].Outcome);
        Assert.Equal(0, await _h.Db.ListLengthAsync(ReplyKeys.Pending(TestShards.Of(user), WorkerHarness.AppId, user)));
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo(user).Count == 2, "the first part and the apology");
        Assert.Equal("旧的一", _h.WeChat.MessagesTo(user)[0]);
        Assert.Contains("抱歉", _h.WeChat.MessagesTo(user)[1], StringComparison.Ordinal);

        // The job's state lives as long as the dead letter (7 days by default), not the 6 hours of a finished job.
        var ttl = await _h.Db.KeyTimeToLiveAsync(WorkerKeys.Job(TestShards.Of(job.OpenId), job.JobId));
        Assert.True(ttl > TimeSpan.FromDays(7), $"job state TTL {ttl}");

        await using var api = await AdminApi.StartAsync(_h.Redis.ConnectionString, _h.Database);
        var (status, page) = await api.GetAsync("/api/admin/dead-letters");
        Assert.Equal(HttpStatusCode.OK, status);
        var dead = Assert.Single(page.GetProperty("deadLetters").EnumerateArray());
        Assert.Equal(2, dead.GetProperty("attempts").GetInt32());
        Assert.Contains("-1", dead.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.True(dead.GetProperty("deadAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));
        Assert.Equal((job.JobId, user, "问题"), (dead.GetProperty("job").GetProperty("jobId").GetString(), dead.GetProperty("job").GetProperty("openId").GetString(), dead.GetProperty("job").GetProperty("content").GetString()));
        Assert.Equal("答复：问题", dead.GetProperty("answer").GetString());
        Assert.Equal(["旧的一", "旧的二"], dead.GetProperty("takenOverParts").EnumerateArray().Select(p => p.GetString()));

        var id = dead.GetProperty("id").GetString()!;
        var retry = await api.PostAsync($"/api/admin/dead-letters/{id}/retry");
        Assert.Equal(HttpStatusCode.OK, retry.Status);
        Assert.Equal(job.JobId, retry.Body.GetProperty("jobId").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await api.PostAsync($"/api/admin/dead-letters/{id}/retry")).Status);

        // What was missing arrives, nothing twice, without asking the LLM again; the record now says answered, after
        // one attempt of the retry (its attempts started again instead of exceeding Worker:MaxAttempts at once), and
        // counts the two attempts before the retry too.
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo(user).Count == 4, "the rest of the answer");
        await _h.WaitUntilAsync(async () => (await _h.ExchangesAsync()).Single().Outcome == ExchangeOutcome.Answered, "the record updated");
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        Assert.Equal(["旧的一", _h.WeChat.MessagesTo(user)[1], "旧的二", "答复：问题"], _h.WeChat.MessagesTo(user));
        Assert.Equal(1, _h.Llm.Calls);
        var exchange = Assert.Single(await _h.ExchangesAsync());
        Assert.Equal((ExchangeOutcome.Answered, 3, "答复：问题"), (exchange.Outcome, exchange.Attempts, exchange.Answer));
        Assert.Equal(0, await _h.Db.DeadLetterCountAsync());
        Assert.Equal(0, await _h.PendingInGroupAsync());
    }

    [Fact]
    public async Task Retry_all_re_enqueues_every_dead_letter_there_and_a_discarded_one_stays_unanswered()
    {
        for (var i = 0; i < 3; i++)
        {
            _h.Llm.Faults.Enqueue(500);
        }

        await _h.StartWorkerAsync(new Dictionary<string, string?> { ["Worker__MaxAttempts"] = "1", ["Llm__MaxRetries"] = "0" });
        var jobs = new List<AiJob>();
        for (var i = 0; i < 3; i++)
        {
            jobs.Add(await _h.EnqueueAsync($"user-all{i}", $"问题{i}"));
            await _h.WaitUntilAsync(async () => await _h.Db.DeadLetterCountAsync() == i + 1, $"dead letter {i}");
        }

        // Three users of three shards: the pages merge the shards' dead-letter streams, oldest first.
        Assert.Equal(3, jobs.Select(j => TestShards.Of(j.OpenId).Index).Distinct().Count());
        await using var api = await AdminApi.StartAsync(_h.Redis.ConnectionString, _h.Database);
        var first = (await api.GetAsync("/api/admin/dead-letters?count=2")).Body;
        Assert.Equal(2, first.GetProperty("deadLetters").GetArrayLength());
        var next = first.GetProperty("next").GetString();
        var second = (await api.GetAsync($"/api/admin/dead-letters?count=2&after={next}")).Body;
        var ids = first.GetProperty("deadLetters").EnumerateArray().Concat(second.GetProperty("deadLetters").EnumerateArray())
            .Select(d => (Id: d.GetProperty("id").GetString()!, JobId: d.GetProperty("job").GetProperty("jobId").GetString()))
            .ToList();
        Assert.Equal(jobs.Select(j => j.JobId), ids.Select(i => i.JobId));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/admin/dead-letters/{ids[1].Id}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await api.DeleteAsync($"/api/admin/dead-letters/{ids[1].Id}")).Status);

        var all = await api.PostAsync("/api/admin/dead-letters/retry-all");
        Assert.Equal(HttpStatusCode.OK, all.Status);
        Assert.Equal(2, all.Body.GetProperty("retried").GetInt32());
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-all0").Count == 2 && _h.WeChat.MessagesTo("user-all2").Count == 2, "the retried answers");
        await _h.WaitUntilAsync(async () => await _h.PendingInGroupAsync() == 0, "the retried jobs acknowledged");
        Assert.Equal("答复：问题0", _h.WeChat.MessagesTo("user-all0")[1]);
        Assert.Equal("答复：问题2", _h.WeChat.MessagesTo("user-all2")[1]);
        Assert.Single(_h.WeChat.MessagesTo("user-all1")); // the apology only
        Assert.Equal(0, await _h.Db.DeadLetterCountAsync());
        Assert.Equal(0, (await api.PostAsync("/api/admin/dead-letters/retry-all")).Body.GetProperty("retried").GetInt32());
    }

    [Fact]
    public async Task Dead_letters_older_than_the_retention_are_trimmed_and_newer_ones_kept()
    {
        var now = DateTimeOffset.UtcNow;
        string Id(TimeSpan age) => (now - age).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + "-0";
        // On three shards: every shard's dead letters are trimmed.
        await _h.Db.StreamAddAsync(QueueKeys.DeadLetterStream(TestShards.Default[0]), [new(DeadLetterFields.Reason, "old")], Id(TimeSpan.FromDays(8)));
        await _h.Db.StreamAddAsync(QueueKeys.DeadLetterStream(TestShards.Default[4]), [new(DeadLetterFields.Reason, "older than 2 days")], Id(TimeSpan.FromDays(3)));
        await _h.Db.StreamAddAsync(QueueKeys.DeadLetterStream(TestShards.Default[11]), [new(DeadLetterFields.Reason, "recent")], Id(TimeSpan.FromHours(1)));

        await _h.StartWorkerAsync(new Dictionary<string, string?> { ["Worker__DeadLetterRetentionDays"] = "2" });
        await _h.WaitUntilAsync(async () => await _h.Db.DeadLetterCountAsync() == 1, "the dead letters past 2 days trimmed", TimeSpan.FromSeconds(20));
        Assert.Equal("recent", (string?)(await _h.Db.DeadLetterEntriesAsync()).Single()[DeadLetterFields.Reason]);
    }
}

/// <summary>The same dead letters on a Redis Cluster: the dead-letter pages and the retry script on the users' shards across its masters.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class DeadLetterClusterTests(PostgresServer postgres, RedisClusterFixture cluster) : DeadLetterTests(postgres, cluster);
