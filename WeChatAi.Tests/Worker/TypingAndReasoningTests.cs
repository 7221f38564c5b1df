using WeChatAi.Core.Queue;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Worker;

/// <summary>"对方正在输入" while a slow answer is computed, within WeChat's rules; a reasoning model's thinking never reaching the user.</summary>
public sealed class TypingAndReasoningTests(PostgresServer postgres) : IAsyncLifetime
{
    private WorkerHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await WorkerHarness.StartAsync(postgres);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Typing_is_sent_once_per_job_before_its_answer_and_refusals_fail_nothing()
    {
        _h.Llm.Faults.Enqueue(503); // the first job's attempt fails once: its retry must not type again
        _h.Llm.Delay = TimeSpan.FromMilliseconds(800); // slower than the typing delay: the user sees the wait
        await _h.StartWorkerAsync(new Dictionary<string, string?> { ["Llm__MaxRetries"] = "0", ["WeChat__TypingDelayMs"] = "200" });

        await _h.EnqueueAsync("user-t", "第一个");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-t").Count == 1, "the first answer");
        var typing = Assert.Single(_h.WeChat.TypingTo("user-t"));
        Assert.Equal(("Typing", 0), (typing.Command, typing.ErrCode));
        Assert.True(typing.At <= _h.WeChat.Messages.Single().At);

        // The push ended the indicator: the next question shows it again. WeChat refusing it (45081) fails nothing.
        _h.WeChat.TypingFaults.Enqueue(45081);
        await _h.EnqueueAsync("user-t", "第二个");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-t").Count == 2, "the second answer");
        Assert.Equal([0, 45081], _h.WeChat.TypingTo("user-t").Select(t => t.ErrCode));

        // A message that waited longer than WeChat's 30 s window is answered without typing (it would get 45080).
        var late = new AiJob(WorkerHarness.AppId, "user-late", 99, "迟到的问题", DateTimeOffset.UtcNow.AddSeconds(-40).ToUnixTimeMilliseconds(), null, null);
        await _h.Db.StreamAddAsync(TestShards.JobStream(late.OpenId), late.ToStreamEntry());
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-late").Count == 1, "the late answer");
        Assert.Empty(_h.WeChat.TypingTo("user-late"));

        await _h.WaitForExchangesAsync(3);
        var attempts = (await _h.ExchangesAsync()).ToDictionary(e => e.Question, e => e.Attempts);
        Assert.Equal((2, 1, 1), (attempts["第一个"], attempts["第二个"], attempts["迟到的问题"]));
        Assert.DoesNotContain("Typing indicator", _h.WorkerOutput(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Typing_waits_for_WeChat_TypingDelayMs_and_an_answer_back_sooner_sends_none()
    {
        _h.Llm.DelayFor = question => question == "慢问题" ? TimeSpan.FromMilliseconds(3_000) : TimeSpan.Zero;
        await _h.StartWorkerAsync(new Dictionary<string, string?> { ["WeChat__TypingDelayMs"] = "2000" });

        // A first job warms the worker up (its first LLM call and push can take a loaded machine over a second).
        await _h.EnqueueAsync("user-warm", "热身");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-warm").Count == 1, "the warm-up answer");
        await _h.EnqueueAsync("user-fast", "快问题");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-fast").Count == 1, "the fast answer");
        var slow = await _h.EnqueueAsync("user-slow", "慢问题");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-slow").Count == 1, "the slow answer");
        // The slow answer took 3 s: the fast job's delay is long past, had it not been stopped.

        Assert.Empty(_h.WeChat.TypingTo("user-fast"));
        var typing = Assert.Single(_h.WeChat.TypingTo("user-slow"));
        Assert.Equal(("Typing", 0), (typing.Command, typing.ErrCode));
        Assert.True(typing.At - DateTimeOffset.FromUnixTimeMilliseconds(slow.ReceivedAtUnixMs) >= TimeSpan.FromMilliseconds(1_900), "typing waited for the delay");
        Assert.True(typing.At <= _h.WeChat.Messages.Single(m => m.ToUser == "user-slow").At);
    }

    [Fact]
    public async Task With_AckMode_text_no_typing_is_sent()
    {
        await _h.StartWorkerAsync(new Dictionary<string, string?> { ["WeChat__AckMode"] = "text" });
        await _h.EnqueueAsync("user-x", "你好");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-x").Count == 1, "the answer");
        Assert.Empty(_h.WeChat.TypingCalls);
    }

    [Fact]
    public async Task Think_blocks_and_reasoning_content_never_reach_the_user_or_the_memory()
    {
        _h.Llm.Answer = question => $"<think>用户问了{question}，我先想一想。</think>\n\n答复：{question}";
        _h.Llm.ReasoningContent = _ => "另一种思考：reasoning_content";
        await _h.StartWorkerAsync();

        await _h.EnqueueAsync("user-r", "一");
        await _h.EnqueueAsync("user-r", "二");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-r").Count == 2, "both answers");
        Assert.Equal(["答复：一", "答复：二"], _h.WeChat.MessagesTo("user-r"));

        // The second question's history holds the first answer without its thinking.
        Assert.Equal("答复：一", _h.Llm.Requests.Last()[2].Content);
        await _h.WaitForExchangesAsync(2);
        Assert.All(await _h.ExchangesAsync(), e => Assert.DoesNotContain("think", e.Answer, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ShowReasoning_sends_a_short_summary_before_the_answer_and_only_thinking_is_a_failed_attempt()
    {
        var thinking = string.Concat(Enumerable.Repeat("这是很长的思考过程。", 30));
        _h.Llm.Answer = question => question == "只想" ? "<think>想了但没回答</think>" : $"<think>{thinking}</think>答复：{question}";
        await _h.StartWorkerAsync(new Dictionary<string, string?>
        {
            ["Llm__ShowReasoning"] = "true",
            ["Llm__ReasoningSummaryChars"] = "20",
            ["Worker__MaxAttempts"] = "2",
        });

        await _h.EnqueueAsync("user-s", "问题");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-s").Count == 2, "the summary and the answer");
        Assert.Equal([$"（思考摘要）{thinking[..20]}…", "答复：问题"], _h.WeChat.MessagesTo("user-s"));

        await _h.EnqueueAsync("user-empty", "只想");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-empty").Count == 1, "the apology");
        Assert.Contains("抱歉", _h.WeChat.MessagesTo("user-empty")[0], StringComparison.Ordinal);
        Assert.DoesNotContain("想了", _h.WeChat.MessagesTo("user-empty")[0], StringComparison.Ordinal);
        Assert.Contains("only reasoning, no answer", _h.WorkerOutput(), StringComparison.Ordinal);
    }
}
