using StackExchange.Redis;
using WeChatAi.Core.Data;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Core.Safety;

namespace WeChatAi.Tests.Worker;

/// <summary>
/// PostgreSQL stopped and started again under the real worker: exchanges wait in Redis and are recorded once each.
/// Each test has a PostgreSQL server of its own (the shared one must never stop).
/// </summary>
public sealed class RecordingOutageTests : IAsyncLifetime
{
    private const string Buffer = "wechatai:recording:buffer";
    private readonly PostgresServer _postgres = new();
    private WorkerHarness _h = null!;

    public async ValueTask InitializeAsync()
    {
        await _postgres.InitializeAsync();
        _h = await WorkerHarness.StartAsync(_postgres);
    }

    public async ValueTask DisposeAsync()
    {
        await _h.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    [Fact]
    public async Task Exchanges_made_while_PostgreSQL_is_down_wait_in_Redis_through_worker_restarts_and_are_recorded_exactly_once()
    {
        var jobs = new List<string>();
        var first = await _h.StartWorkerAsync();
        jobs.AddRange(await AnswerAsync("before", 3));
        await _h.WaitForExchangesAsync(3);

        await _postgres.StopAsync();
        jobs.AddRange(await AnswerAsync("down", 10));
        await _h.WaitUntilAsync(async () => await _h.Db.StreamLengthAsync(Buffer) == 10, "10 exchanges buffered in Redis");
        await first.StopAsync(TimeSpan.FromSeconds(20));

        // A worker stopped (SIGTERM) with exchanges still in memory hands them to Redis on its way out.
        var second = await _h.StartWorkerAsync(new Dictionary<string, string?> { ["Recording__FlushIntervalMs"] = "60000" });
        jobs.AddRange(await AnswerAsync("stopping", 5));
        Assert.Equal(10, await _h.Db.StreamLengthAsync(Buffer));
        Assert.Equal(0, await second.StopAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(15, await _h.Db.StreamLengthAsync(Buffer));
        Assert.DoesNotContain("could not be recorded", second.Output, StringComparison.Ordinal);

        // A third worker, started while PostgreSQL is still down, writes everything once it returns.
        await _h.StartWorkerAsync();
        jobs.AddRange(await AnswerAsync("restarted", 2));
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        await _postgres.RunAsync();
        await _h.WaitUntilAsync(async () => await _h.Db.StreamLengthAsync(Buffer) == 0, "the buffer drained", TimeSpan.FromSeconds(40));
        await _h.WaitForExchangesAsync(jobs.Count);
        await Task.Delay(1000, TestContext.Current.CancellationToken);

        var rows = await _h.ExchangesAsync();
        Assert.Equal(jobs.Order(StringComparer.Ordinal), rows.Select(r => r.JobId).Order(StringComparer.Ordinal));
        Assert.All(rows, r => Assert.Equal(ExchangeOutcome.Answered, r.Outcome));
        Assert.All(rows, r => Assert.StartsWith("答复：", r.Answer, StringComparison.Ordinal));
        Assert.Contains("buffered exchange(s) written to PostgreSQL", _h.WorkerOutput(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_buffer_drops_further_exchanges_and_says_so()
    {
        var worker = await _h.StartWorkerAsync(new Dictionary<string, string?> { ["Recording__MaxBufferedExchanges"] = "3" });
        await _postgres.StopAsync();
        var jobs = await AnswerAsync("full", 5);
        await _h.WaitUntilAsync(() => worker.Output.Contains("Recording:MaxBufferedExchanges = 3", StringComparison.Ordinal), "the buffer-full error");
        Assert.Equal(3, await _h.Db.StreamLengthAsync(Buffer));

        await _postgres.RunAsync();
        await _h.WaitUntilAsync(async () => await _h.Db.StreamLengthAsync(Buffer) == 0, "the buffer drained", TimeSpan.FromSeconds(40));
        await _h.WaitForExchangesAsync(3);
        var rows = await _h.ExchangesAsync();
        Assert.Equal(3, rows.Count);
        Assert.Subset(jobs.ToHashSet(StringComparer.Ordinal), rows.Select(r => r.JobId).ToHashSet(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_safety_decision_taken_while_PostgreSQL_is_down_waits_with_its_exchange_and_is_recorded()
    {
        // The shipped default word list: its test term, spelled evasively.
        await _h.StartWorkerAsync();
        await _postgres.StopAsync();
        await _h.EnqueueAsync("user-blocked", "Blocked Test Term？");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-blocked").Count == 1, "the blocked question's reply");
        Assert.Equal(new SafetyTextOptions().BlockedQuestionText, _h.WeChat.MessagesTo("user-blocked")[0]);
        await _h.WaitUntilAsync(async () => await _h.Db.StreamLengthAsync(Buffer) == 1, "the exchange buffered in Redis");

        await _postgres.RunAsync();
        await _h.WaitForExchangesAsync(1);
        var exchange = Assert.Single(await _h.ExchangesAsync());
        Assert.Equal(SafetyDirection.Question, exchange.Blocked);
        var decision = Assert.Single(await _h.SafetyDecisionsAsync());
        Assert.Equal((exchange.Id, "blockedtestterm", "Blocked Test Term"), (decision.ExchangeId, decision.Rule, decision.Excerpt));
        Assert.Equal(0, _h.Llm.Calls);
    }

    /// <summary>Sends <paramref name="count"/> messages from new users and waits for their answers; returns their job ids.</summary>
    private async Task<List<string>> AnswerAsync(string phase, int count)
    {
        var jobs = new List<string>();
        for (var i = 0; i < count; i++)
        {
            jobs.Add((await _h.EnqueueAsync($"user-{phase}-{i}", $"{phase} {i}")).JobId);
        }

        await _h.WaitUntilAsync(() => Enumerable.Range(0, count).All(i => _h.WeChat.MessagesTo($"user-{phase}-{i}").Count == 1), $"the {phase} answers");
        return jobs;
    }
}
