using System.Globalization;
using WeChatAi.Core.Queue;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Worker;

/// <summary>Stopping a worker (SIGTERM, as the AppHost and container platforms do) while it reads and runs jobs.</summary>
public sealed class WorkerShutdownTests(PostgresServer postgres) : IAsyncLifetime
{
    private const int Jobs = 40;
    private const int Concurrency = 8;
    private WorkerHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await WorkerHarness.StartAsync(postgres);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task A_stopped_worker_logs_no_failure_and_leaves_every_unfinished_job_to_another_worker()
    {
        _h.Llm.Delay = TimeSpan.FromSeconds(60);
        var first = await _h.StartWorkerAsync(new Dictionary<string, string?>
        {
            ["Worker__InitialConcurrency"] = Concurrency.ToString(CultureInfo.InvariantCulture),
            ["Worker__MaxConcurrency"] = Concurrency.ToString(CultureInfo.InvariantCulture),
            ["Worker__ShutdownGraceSeconds"] = "1",
        });
        for (var i = 0; i < Jobs; i++)
        {
            await _h.EnqueueAsync($"user-t{i}", "停机");
        }

        // Every slot busy on the LLM, the read loop waiting for a free one: then the stop.
        await _h.WaitUntilAsync(() => _h.Llm.Calls == Concurrency, "every slot to be running a job");
        var exitCode = await first.StopAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, exitCode);
        var warnings = LogLines.WarningsAndErrors(first.Output);
        Assert.True(warnings.Count == 0, string.Join('\n', warnings));
        Assert.DoesNotContain("ObjectDisposedException", first.Output, StringComparison.Ordinal);

        // Nothing acknowledged, nothing sent: the running jobs are pending in the group, the rest unread.
        Assert.Empty(_h.WeChat.Messages);
        Assert.Equal(Concurrency, await _h.PendingInGroupAsync());
        var groups = await Task.WhenAll(TestShards.Default.All.Select(s => _h.Db.StreamGroupInfoAsync(QueueKeys.JobStream(s))));
        Assert.Equal(Jobs - Concurrency, groups.Sum(g => Assert.Single(g).Lag));

        _h.Llm.Delay = TimeSpan.Zero;
        await _h.StartWorkerAsync();
        await _h.WaitUntilAsync(() => _h.WeChat.Messages.Count >= Jobs, "another worker to answer every job", TimeSpan.FromSeconds(45));
        await _h.WaitUntilAsync(async () => await _h.PendingInGroupAsync() == 0, "every job to be acknowledged");
        Assert.All(Enumerable.Range(0, Jobs), i => Assert.Equal(["答复：停机"], _h.WeChat.MessagesTo($"user-t{i}")));
    }
}
