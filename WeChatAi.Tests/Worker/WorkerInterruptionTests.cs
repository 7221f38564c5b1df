using WeChatAi.Core.Queue;
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
        var dead = await _h.Db.StreamRangeAsync(QueueKeys.DeadLetterStream);
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
}
