using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Core.Memory;

namespace WeChatAi.Tests.Worker;

/// <summary>A notice job (the app's own text, e.g. "充值成功") is pushed as it is: no LLM call, no memory, no AI label.</summary>
public sealed class NoticeJobTests(PostgresServer postgres) : IAsyncLifetime
{
    private WorkerHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await WorkerHarness.StartAsync(postgres);

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task A_notice_is_pushed_verbatim_without_the_llm()
    {
        await _h.StartWorkerAsync();
        await _h.EnqueueAsync("user-n", "你好"); // the user's message opens WeChat's window
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-n").Count == 1, "the answer");
        var calls = _h.Llm.Calls;

        const string Text = "充值成功：100 次提问，100 次提问已到账，30 天内有效。";
        var notice = new AiJob(WorkerHarness.AppId, "user-n", -42, Text, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, null) { Notice = true };
        await _h.Db.StreamAddAsync(TestShards.JobStream(notice.OpenId), notice.ToStreamEntry());

        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-n").Count == 2, "the notice");
        Assert.Equal(Text, _h.WeChat.MessagesTo("user-n")[1]);
        Assert.Equal(calls, _h.Llm.Calls);
        var memory = await _h.Db.ListRangeAsync(MemoryKeys.Memory(TestShards.Of("user-n"), WorkerHarness.AppId, "user-n"));
        Assert.DoesNotContain(memory, entry => entry.ToString().Contains("充值成功", StringComparison.Ordinal));
    }
}
