using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Core.WeChatApi;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Worker;

/// <summary>Attempts cut off by a dying worker are counted apart from failed ones.</summary>
public sealed class WorkerInterruptionTests(PostgresServer postgres) : IAsyncLifetime
{
    private WorkerHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await WorkerHarness.StartAsync(postgres);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    [Theory]
    [InlineData(10, true)]
    [InlineData(2, false)]
    public async Task A_job_whose_workers_were_killed_keeps_its_attempts_until_Worker_MaxInterruptions(int maxInterruptions, bool answered)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Worker__MaxAttempts"] = "1",
            ["Worker__MaxInterruptions"] = maxInterruptions.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        _h.Llm.Delay = TimeSpan.FromSeconds(60);
        _h.Llm.SlowCalls = 2;
        await _h.EnqueueAsync("user-i", "中断");
        for (var kill = 1; kill <= 2; kill++)
        {
            var worker = await _h.StartWorkerAsync(settings);
            await _h.WaitUntilAsync(() => _h.Llm.Calls == kill, $"worker {kill} to ask the LLM");
            await worker.KillAsync();
        }

        await _h.StartWorkerAsync(settings);
        await _h.WaitUntilAsync(async () => await _h.PendingInGroupAsync() == 0, "the job to end", TimeSpan.FromSeconds(45));
        var dead = await _h.Db.DeadLetterEntriesAsync();
        if (answered)
        {
            Assert.Equal(["答复：中断"], _h.WeChat.MessagesTo("user-i"));
            Assert.Empty(dead);
        }
        else
        {
            Assert.Contains("cut off by their worker stopping", (string?)Assert.Single(dead)["dead_reason"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_token_fetch_lock_left_by_a_killed_worker_delays_the_next_fetch_until_it_expires_instead_of_failing_the_job()
    {
        // A worker killed while fetching the token leaves the lock for its full life (15 s), longer than others wait for
        // its token (10 s): they must then take the lock themselves rather than fail the attempt.
        await _h.Db.StringSetAsync(AccessTokenKeys.AccessTokenLock(WorkerHarness.AppId), "killed-worker", TimeSpan.FromSeconds(12), When.NotExists);
        await _h.StartWorkerAsync(new Dictionary<string, string?> { ["Worker__MaxAttempts"] = "1" });
        await _h.EnqueueAsync("user-t", "锁");

        // Not "nothing pending": the worker's token warm-up waits on the same lock, so nothing is read before it expires.
        await _h.WaitUntilAsync(
            async () => _h.WeChat.MessagesTo("user-t").Count > 0 || await _h.Db.DeadLetterCountAsync() > 0, "the job to end", TimeSpan.FromSeconds(45));
        Assert.Equal(["答复：锁"], _h.WeChat.MessagesTo("user-t"));
        Assert.Empty(await _h.Db.DeadLetterEntriesAsync());
        Assert.Equal([false], _h.WeChat.StableTokenRequests);
    }
}
