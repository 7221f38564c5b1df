using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;
using WeChatAi.Core.Data;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Worker;
using WeChatAi.Worker.Safety;

namespace WeChatAi.Tests.Safety;

/// <summary>
/// A decision taken while PostgreSQL is down waits in Redis with its exchange and is recorded when PostgreSQL returns.
/// A PostgreSQL server of its own (the shared one must never stop); the worker runs with the shipped default list.
/// </summary>
public sealed class SafetyRecordingOutageTests : IAsyncLifetime
{
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
    public async Task A_decision_taken_while_PostgreSQL_is_down_is_recorded_when_it_returns()
    {
        await _h.StartWorkerAsync();
        await _postgres.StopAsync();
        await _h.EnqueueAsync("user-down", "Blocked Test Term？");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-down").Count == 1, "the blocked question's reply");
        Assert.Equal(new SafetyOptions().BlockedQuestionText, _h.WeChat.MessagesTo("user-down")[0]);
        await _h.WaitUntilAsync(async () => await _h.Db.StreamLengthAsync("wechatai:recording:buffer") == 1, "the exchange buffered in Redis");

        await _postgres.RunAsync();
        await _h.WaitForExchangesAsync(1);
        var exchange = Assert.Single(await _h.ExchangesAsync());
        Assert.Equal(SafetyDirection.Question, exchange.Blocked);
        await using var db = new WeChatDbContext(new DbContextOptionsBuilder<WeChatDbContext>().UseNpgsql(_h.Database + ";Pooling=false").Options);
        var decision = Assert.Single(await db.SafetyDecisions.AsNoTracking().ToListAsync(TestContext.Current.CancellationToken));
        Assert.Equal((exchange.Id, "blockedtestterm", "Blocked Test Term"), (decision.ExchangeId, decision.Rule, decision.Excerpt));
        Assert.Equal(0, _h.Llm.Calls);
    }
}
