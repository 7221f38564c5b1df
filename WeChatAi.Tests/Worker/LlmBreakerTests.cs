using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Worker;

/// <summary>The LLM's circuit breaker judges a full round of calls, not a burst's quick failures.</summary>
public sealed class LlmBreakerTests(PostgresServer postgres) : IAsyncLifetime
{
    private const int Users = 40;
    private WorkerHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await WorkerHarness.StartAsync(postgres);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task A_burst_whose_few_failures_come_back_before_its_answers_does_not_open_the_breaker()
    {
        // Ten answers, then a burst whose 12 failing calls (15 %) come back at once and its answers a second later: at
        // the tenth failure the breaker has seen 20 calls, half of them failed. Judged on those, it would open for 15 s
        // and refuse every user's second message for longer than the job's five quick attempts last.
        await _h.StartWorkerAsync();
        for (var u = 0; u < 10; u++)
        {
            await _h.EnqueueAsync($"user-w{u}", "热身");
        }

        await _h.WaitUntilAsync(() => Enumerable.Range(0, 10).All(u => _h.WeChat.MessagesTo($"user-w{u}").Count == 1), "the ten answers");
        for (var i = 0; i < 12; i++)
        {
            _h.Llm.Faults.Enqueue(503);
        }

        _h.Llm.Delay = TimeSpan.FromSeconds(1);
        for (var m = 1; m <= 2; m++)
        {
            for (var u = 0; u < Users; u++)
            {
                await _h.EnqueueAsync($"user-b{u}", $"突发{m}");
            }
        }

        // An answer or, for a job given up on, the apology: each job ends with one message to its user.
        await _h.WaitUntilAsync(() => Enumerable.Range(0, Users).Sum(u => _h.WeChat.MessagesTo($"user-b{u}").Count) >= 2 * Users, "every job to end");
        Assert.Equal(0, await _h.Db.DeadLetterCountAsync());
        Assert.All(Enumerable.Range(0, Users), u => Assert.Equal(["答复：突发1", "答复：突发2"], _h.WeChat.MessagesTo($"user-b{u}")));
        Assert.DoesNotContain("OnCircuitOpened", _h.WorkerOutput(), StringComparison.Ordinal);
    }
}
