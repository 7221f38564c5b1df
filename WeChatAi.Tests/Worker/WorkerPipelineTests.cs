using System.Globalization;
using System.Net;
using System.Text;
using StackExchange.Redis;
using WeChatAi.Core.Data;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Stats;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Core.Memory;
using WeChatAi.Core.Replies;

namespace WeChatAi.Tests.Worker;

/// <summary>The real worker process against real Redis and PostgreSQL, the LLM and WeChat faked in the test.</summary>
public sealed class WorkerPipelineTests(PostgresServer postgres) : IAsyncLifetime
{
    private WorkerHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await WorkerHarness.StartAsync(postgres);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task A_message_is_answered_once_recorded_remembered_and_reset_clears_memory()
    {
        await _h.StartWorkerAsync();
        var first = await _h.EnqueueAsync("user-a", "你好");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-a").Count == 1, "the first answer");
        Assert.Equal("答复：你好", _h.WeChat.MessagesTo("user-a")[0]);

        // Acknowledged, counted, recorded.
        await _h.WaitUntilAsync(async () => await _h.PendingInGroupAsync() == 0, "the job to be acknowledged");
        Assert.Equal(1, await _h.Db.CounterAsync(DateTimeOffset.UtcNow, StatsKeys.AnsweredField));
        await _h.WaitUntilAsync(async () => (await _h.ExchangesAsync()).Count == 1, "the exchange in PostgreSQL");
        var exchange = Assert.Single(await _h.ExchangesAsync());
        Assert.Equal((first.JobId, "你好", "答复：你好", ExchangeOutcome.Answered, 1), (exchange.JobId, exchange.Question, exchange.Answer, exchange.Outcome, exchange.Attempts));
        Assert.True(exchange.CompletionTokens > 0);

        // The second question is asked with the first turn as memory.
        await _h.EnqueueAsync("user-a", "第二个问题");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-a").Count == 2, "the second answer");
        var second = _h.Llm.Requests.Last();
        Assert.Equal(["system", "user", "assistant", "user"], second.Select(m => m.Role));
        Assert.Equal("你好", second[1].Content);

        // /reset: a confirmation without asking the LLM, and the memory is gone.
        var calls = _h.Llm.Calls;
        await _h.EnqueueAsync("user-a", "/reset");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-a").Count == 3, "the reset confirmation");
        Assert.Contains("清除", _h.WeChat.MessagesTo("user-a")[2], StringComparison.Ordinal);
        Assert.Equal(calls, _h.Llm.Calls);
        Assert.False(await _h.Db.KeyExistsAsync(MemoryKeys.Memory(TestShards.Of("user-a"), WorkerHarness.AppId, "user-a")));

        await _h.EnqueueAsync("user-a", "清除记忆之后");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-a").Count == 4, "the answer after the reset");
        Assert.Equal(["system", "user"], _h.Llm.Requests.Last().Select(m => m.Role));

        // Tokens only ever from stable_token, fetched once and shared.
        Assert.Equal(0, _h.WeChat.LegacyTokenCalls);
        Assert.Equal([false], _h.WeChat.StableTokenRequests);
    }

    [Fact]
    public async Task A_job_of_a_worker_killed_mid_job_is_taken_over_and_answered_exactly_once()
    {
        _h.Llm.Delay = TimeSpan.FromSeconds(60);
        _h.Llm.SlowCalls = 1;
        var first = await _h.StartWorkerAsync();
        await _h.EnqueueAsync("user-k", "慢问题");
        await _h.WaitUntilAsync(() => _h.Llm.Calls == 1, "the first worker to ask the LLM");

        await first.KillAsync();
        await _h.StartWorkerAsync();
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-k").Count == 1, "the second worker to answer", TimeSpan.FromSeconds(45));
        await _h.WaitUntilAsync(async () => await _h.PendingInGroupAsync() == 0, "the job to be acknowledged");
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken); // a claim interval or two more: still one answer
        Assert.Equal(["答复：慢问题"], _h.WeChat.MessagesTo("user-k"));
        Assert.Equal(2, _h.Llm.Calls);
        await _h.WaitUntilAsync(async () => (await _h.ExchangesAsync()).Count == 1, "the exchange in PostgreSQL");
        Assert.Equal(2, Assert.Single(await _h.ExchangesAsync()).Attempts);
    }

    [Fact]
    public async Task Llm_503s_are_retried_and_the_message_is_answered()
    {
        _h.Llm.Faults.Enqueue(503);
        _h.Llm.Faults.Enqueue(503);
        _h.Llm.Faults.Enqueue(503);
        _h.Llm.Faults.Enqueue(429);
        _h.Llm.Faults.Enqueue(503);
        await _h.StartWorkerAsync();
        await _h.EnqueueAsync("user-r", "重试");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-r").Count == 1, "the answer after the faults");
        Assert.Equal(6, _h.Llm.Calls);
        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.Equal(["答复：重试"], _h.WeChat.MessagesTo("user-r"));
    }

    [Fact]
    public async Task A_rejected_token_forces_one_refresh_and_the_answer_is_delivered()
    {
        await _h.StartWorkerAsync();
        await _h.EnqueueAsync("user-t", "一");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-t").Count == 1, "the first answer");

        _h.WeChat.SendFaults.Enqueue(40001);
        await _h.EnqueueAsync("user-t", "二");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-t").Count == 2, "the answer after the token was rejected");
        Assert.Equal([false, true], _h.WeChat.StableTokenRequests);
        Assert.Equal(["答复：一", "答复：二"], _h.WeChat.MessagesTo("user-t"));
        Assert.Equal("token-2", _h.WeChat.Messages.Last().AccessToken);
        Assert.Equal(0, _h.WeChat.LegacyTokenCalls);
    }

    [Fact]
    public async Task A_long_answer_arrives_in_order_in_parts_of_at_most_2048_bytes()
    {
        var paragraphs = Enumerable.Range(1, 13).Select(i => $"第{i}段：" + string.Concat(Enumerable.Repeat("这是一个比较长的句子，用来测试拆分。", 7))).ToList();
        var answer = string.Join("\n\n", paragraphs);
        Assert.InRange(Encoding.UTF8.GetByteCount(answer), 5_000, 6_000);
        _h.Llm.Answer = _ => answer;
        await _h.StartWorkerAsync(new Dictionary<string, string?> { ["WeChat__MessageBudget"] = "20" });

        await _h.EnqueueAsync("user-l", "长答案");
        await _h.WaitForExchangesAsync(1);
        var parts = _h.WeChat.MessagesTo("user-l");
        Assert.Equal(3, parts.Count);
        Assert.All(parts, p => Assert.InRange(Encoding.UTF8.GetByteCount(p), 1, 2048));
        Assert.Equal(answer.Replace("\n", "", StringComparison.Ordinal), string.Concat(parts).Replace("\n", "", StringComparison.Ordinal));
        Assert.All(parts.Skip(1), p => Assert.StartsWith("第", p, StringComparison.Ordinal)); // cut at paragraphs
    }

    [Fact]
    public async Task Only_five_messages_go_out_per_user_message_and_the_rest_comes_with_the_next_one()
    {
        // Seven paragraphs of ~1,500 bytes: no two fit one message, so seven parts.
        var paragraphs = Enumerable.Range(1, 7).Select(i => $"P{i} " + string.Concat(Enumerable.Repeat("预算测试句子。", 70))).ToList();
        _h.Llm.Answer = question => question == "多" ? string.Join("\n\n", paragraphs) : "短答复";
        await _h.StartWorkerAsync();

        await _h.EnqueueAsync("user-b", "多");
        await _h.WaitForExchangesAsync(1);
        Assert.Equal(paragraphs.Take(5), _h.WeChat.MessagesTo("user-b"));
        Assert.Equal(2, await _h.Db.ListLengthAsync(ReplyKeys.Pending(TestShards.Of("user-b"), WorkerHarness.AppId, "user-b")));
        Assert.Equal(ExchangeOutcome.Deferred, (await _h.ExchangesAsync())[0].Outcome);

        await _h.EnqueueAsync("user-b", "少");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-b").Count == 8, "the pending parts and the next answer");
        Assert.Equal([.. paragraphs, "短答复"], _h.WeChat.MessagesTo("user-b"));
        Assert.Equal(0, await _h.Db.ListLengthAsync(ReplyKeys.Pending(TestShards.Of("user-b"), WorkerHarness.AppId, "user-b")));
    }

    [Fact]
    public async Task WeChat_limit_errors_keep_the_answer_for_the_next_message()
    {
        await _h.StartWorkerAsync();
        _h.WeChat.SendFaults.Enqueue(45047);
        await _h.EnqueueAsync("user-q", "一");
        await _h.WaitForExchangesAsync(1);
        Assert.Empty(_h.WeChat.MessagesTo("user-q"));

        await _h.EnqueueAsync("user-q", "二");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-q").Count == 2, "both answers");
        Assert.Equal(["答复：一", "答复：二"], _h.WeChat.MessagesTo("user-q"));
    }

    [Fact]
    public async Task A_job_that_keeps_failing_is_dead_lettered_with_the_reason_and_the_user_gets_an_apology()
    {
        for (var i = 0; i < 10; i++)
        {
            _h.Llm.Faults.Enqueue(500);
        }

        await _h.StartWorkerAsync(new Dictionary<string, string?> { ["Worker__MaxAttempts"] = "2", ["Llm__MaxRetries"] = "0" });
        var job = await _h.EnqueueAsync("user-d", "失败");
        await _h.WaitUntilAsync(async () => await _h.Db.DeadLetterCountAsync() == 1, "the dead letter");
        var dead = (await _h.Db.DeadLetterEntriesAsync()).Single();
        Assert.Equal(job.JobId, AiJob.FromStreamEntry(dead).JobId);
        Assert.Contains("500", (string?)dead["dead_reason"], StringComparison.Ordinal);
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-d").Count == 1, "the apology");
        Assert.Contains("抱歉", _h.WeChat.MessagesTo("user-d")[0], StringComparison.Ordinal);
        Assert.Equal(0, await _h.PendingInGroupAsync());
        await _h.WaitUntilAsync(async () => (await _h.ExchangesAsync()).Count == 1, "the exchange in PostgreSQL");
        Assert.Equal(ExchangeOutcome.DeadLettered, (await _h.ExchangesAsync())[0].Outcome);
    }

    [Fact]
    public async Task Without_llm_key_and_wechat_credentials_the_worker_is_healthy_and_leaves_jobs_queued()
    {
        var worker = await _h.StartWorkerAsync(new Dictionary<string, string?>
        {
            ["Llm__ApiKey"] = null,
            ["WeChat__AppId"] = null,
            ["WeChat__AppSecret"] = null,
        });
        await _h.EnqueueAsync("user-n", "没人处理");
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, await worker.GetStatusAsync("/health"));
        // Once: one log record, whatever the console format (a JSON record repeats its message in its state).
        Assert.Single(worker.Output.Split('\n'), line => line.Contains("Not consuming AI jobs", StringComparison.Ordinal));
        Assert.Contains("Llm:ApiKey", worker.Output, StringComparison.Ordinal);
        Assert.Empty(_h.WeChat.Messages);
        Assert.Equal(0, _h.Llm.Calls);
    }

    [Fact]
    public async Task A_worker_started_into_a_backlog_grows_its_concurrency_with_completed_jobs_and_answers_each_job_once()
    {
        const int jobs = 150;
        const int initial = 4;
        const int max = 24;
        for (var i = 0; i < jobs; i++)
        {
            await _h.EnqueueAsync($"user-s{i}", "慢启动");
        }

        _h.Llm.Delay = TimeSpan.FromMilliseconds(300);
        await _h.StartWorkerAsync(new Dictionary<string, string?>
        {
            ["Worker__InitialConcurrency"] = initial.ToString(CultureInfo.InvariantCulture),
            ["Worker__MaxConcurrency"] = max.ToString(CultureInfo.InvariantCulture),
        });
        await _h.WaitUntilAsync(() => _h.WeChat.Messages.Count >= jobs, "every job's answer", TimeSpan.FromSeconds(60));
        await _h.WaitUntilAsync(async () => await _h.PendingInGroupAsync() == 0, "every job to be acknowledged");

        // The limit starts at the initial value and grows by at most one per completed job, up to the maximum.
        var arrivals = _h.Llm.Arrivals.ToList();
        Assert.Equal(jobs, arrivals.Count);
        Assert.All(arrivals, a => Assert.True(a.InFlight <= Math.Min(initial + a.AnsweredBefore, max), $"{a.InFlight} LLM calls in flight after {a.AnsweredBefore} answers"));
        Assert.InRange(arrivals.Max(a => a.InFlight), max * 3 / 4, max);

        await Task.Delay(500, TestContext.Current.CancellationToken);
        Assert.All(Enumerable.Range(0, jobs), i => Assert.Equal(["答复：慢启动"], _h.WeChat.MessagesTo($"user-s{i}")));
    }

    [Fact]
    public async Task Redis_timeouts_do_not_stop_the_worker_from_reading_jobs()
    {
        await _h.StartWorkerAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = _h.Redis.ConnectionString + ",asyncTimeout=500,syncTimeout=500",
        });
        await _h.EnqueueAsync("user-timeout", "之前");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-timeout").Count == 1, "the answer before the pause");

        // Redis stops answering for longer than the worker's timeout: its polling reads time out (a TimeoutException,
        // not a RedisException) and the worker must keep reading once Redis answers again.
        await _h.Db.ExecuteAsync("CLIENT", "PAUSE", "3000", "ALL");
        await Task.Delay(TimeSpan.FromSeconds(3.5), TestContext.Current.CancellationToken);
        await _h.EnqueueAsync("user-timeout", "之后");

        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-timeout").Count == 2, "the answer after the pause");
        Assert.Equal("答复：之后", _h.WeChat.MessagesTo("user-timeout")[1]);
    }

    [Fact]
    public async Task An_invalid_setting_stops_the_worker_at_startup_naming_the_setting()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            _h.StartWorkerAsync(new Dictionary<string, string?> { ["Worker__MaxConcurrency"] = "0" }));
        Assert.Contains("Worker:MaxConcurrency", error.Message, StringComparison.Ordinal);
    }
}
