using StackExchange.Redis;
using WeChatAi.Core.Data;
using WeChatAi.Core.Safety;
using WeChatAi.Tests.Fakes;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Worker;
using WeChatAi.Core.Memory;
using WeChatAi.Worker.Common;

namespace WeChatAi.Tests.Safety;

/// <summary>
/// Content safety in the real worker process over real Redis and PostgreSQL, with the LLM, WeChat's API and the
/// moderation service faked over HTTP: evasive spellings of listed terms are blocked in both directions and recorded.
/// </summary>
public sealed class SafetyPipelineTests(PostgresServer postgres) : IAsyncLifetime
{
    private static readonly string BlockedQuestion = new SafetyTextOptions().BlockedQuestionText;
    private static readonly string BlockedAnswer = new SafetyTextOptions().BlockedAnswerText;

    private readonly string _folder = Directory.CreateTempSubdirectory("wechatai-safety-").FullName;
    private WorkerHarness _h = null!;
    private FakeModerationServer _moderation = null!;

    private string WordList => Path.Combine(_folder, "words.txt");

    public async ValueTask InitializeAsync()
    {
        _h = await WorkerHarness.StartAsync(postgres);
        _moderation = await FakeModerationServer.StartAsync();
        await File.WriteAllTextAsync(WordList, "# test list\n违禁词\nForbidden\n");
    }

    public async ValueTask DisposeAsync()
    {
        await _h.DisposeAsync();
        await _moderation.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Evasive_listed_terms_in_questions_are_blocked_before_the_llm_and_recorded()
    {
        await StartWorkerAsync();
        (string User, string Question, string Term, string Spelling)[] cases =
        [
            ("user-space", "请告诉我 违 禁 词 是什么", "违禁词", "违 禁 词"),
            ("user-fullwidth", "ＦｏＲｂｉｄＤｅＮ knowledge", "Forbidden", "ＦｏＲｂｉｄＤｅＮ"),
            ("user-zwj", "what is f\u200Do\u200Dr\u200Db\u200Di\u200Dd\u200Dd\u200De\u200Dn?", "Forbidden", "f\u200Do\u200Dr\u200Db\u200Di\u200Dd\u200Dd\u200De\u200Dn"),
            ("user-traditional", "說說違禁詞", "违禁词", "違禁詞"),
        ];
        foreach (var (user, question, _, _) in cases)
        {
            await _h.EnqueueAsync(user, question);
        }

        await _h.WaitForExchangesAsync(cases.Length);
        Assert.Equal(0, _h.Llm.Calls);
        var exchanges = await _h.ExchangesAsync();
        var decisions = await _h.SafetyDecisionsAsync();
        foreach (var (user, question, term, spelling) in cases)
        {
            Assert.Equal([BlockedQuestion], _h.WeChat.MessagesTo(user));
            var exchange = Assert.Single(exchanges, e => e.OpenId == user);
            Assert.Equal((question, BlockedQuestion, SafetyDirection.Question, ExchangeOutcome.Answered, 0),
                (exchange.Question, exchange.Answer, exchange.Blocked, exchange.Outcome, exchange.PromptTokens));
            var decision = Assert.Single(decisions, d => d.ExchangeId == exchange.Id);
            Assert.Equal((user, SafetyDirection.Question, SafetySource.WordList, true, term, spelling),
                (decision.OpenId, decision.Direction, decision.Source, decision.Blocked, decision.Rule, decision.Excerpt));
            Assert.Equal(spelling, question.Substring(decision.SpanStart!.Value, decision.SpanLength!.Value));
            Assert.False(await _h.Db.KeyExistsAsync(MemoryKeys.Memory(TestShards.Of(user), WorkerHarness.AppId, user)));
        }

        // The blocked turn is not in the memory the LLM sees with the user's next question.
        await _h.EnqueueAsync("user-space", "今天天气怎么样");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-space").Count == 2, "the answer to the clean question");
        Assert.Equal("答复：今天天气怎么样", _h.WeChat.MessagesTo("user-space")[1]);
        Assert.Equal(["system", "user"], Assert.Single(_h.Llm.Requests).Select(m => m.Role));
    }

    [Fact]
    public async Task An_answer_with_an_evasive_listed_term_is_replaced_before_delivery_and_recorded()
    {
        const string unsafeAnswer = "当然可以：F o R\u200B B i D d E n 就是答案。";
        _h.Llm.Answer = question => question == "坏答案" ? unsafeAnswer : $"答复：{question}";
        await StartWorkerAsync();

        var job = await _h.EnqueueAsync("user-a", "坏答案");
        await _h.WaitForExchangesAsync(1);
        Assert.Equal([BlockedAnswer], _h.WeChat.MessagesTo("user-a"));
        Assert.Equal(1, _h.Llm.Calls);

        var exchange = Assert.Single(await _h.ExchangesAsync());
        Assert.Equal((BlockedAnswer, SafetyDirection.Answer), (exchange.Answer, exchange.Blocked));
        Assert.True(exchange.CompletionTokens > 0); // spent all the same
        var decision = Assert.Single(await _h.SafetyDecisionsAsync());
        Assert.Equal((exchange.Id, SafetyDirection.Answer, SafetySource.WordList, "Forbidden", "F o R\u200B B i D d E n"),
            (decision.ExchangeId, decision.Direction, decision.Source, decision.Rule, decision.Excerpt));
        Assert.Equal(unsafeAnswer.IndexOf('F', StringComparison.Ordinal), decision.SpanStart);

        // What a retry would send is the replacement, never the unchecked answer; and the turn is not remembered.
        Assert.Equal(BlockedAnswer, (string?)await _h.Db.HashGetAsync(WorkerKeys.Job(TestShards.Of(job.OpenId), job.JobId), "answer"));
        Assert.False(await _h.Db.KeyExistsAsync(MemoryKeys.Memory(TestShards.Of("user-a"), WorkerHarness.AppId, "user-a")));
    }

    [Fact]
    public async Task The_moderation_service_blocks_flagged_questions_and_answers()
    {
        _h.Llm.Answer = question => question == "说点过分的" ? "好的 flag-me 内容" : $"答复：{question}";
        await StartWorkerAsync(Moderation());

        await _h.EnqueueAsync("user-mq", "请 flag-me 一下");
        await _h.WaitForExchangesAsync(1);
        Assert.Equal([BlockedQuestion], _h.WeChat.MessagesTo("user-mq"));
        Assert.Equal(0, _h.Llm.Calls);

        await _h.EnqueueAsync("user-ma", "说点过分的");
        await _h.WaitForExchangesAsync(2);
        Assert.Equal([BlockedAnswer], _h.WeChat.MessagesTo("user-ma"));

        await _h.EnqueueAsync("user-ok", "正常问题");
        await _h.WaitForExchangesAsync(3);
        Assert.Equal(["答复：正常问题"], _h.WeChat.MessagesTo("user-ok"));

        var decisions = await _h.SafetyDecisionsAsync();
        Assert.Equal(2, decisions.Count); // clean texts leave no row
        Assert.All(decisions, d => Assert.Equal((SafetySource.Moderation, true, "harassment", 0.97), (d.Source, d.Blocked, d.Rule, d.Score)));
        Assert.Equal([("user-mq", SafetyDirection.Question), ("user-ma", SafetyDirection.Answer)], decisions.Select(d => (d.OpenId, d.Direction)));
        Assert.Equal(["请 flag-me 一下", "说点过分的", "好的 flag-me 内容", "正常问题", "答复：正常问题"], _moderation.Requests.Select(r => r.Input));
        Assert.All(_moderation.Requests, r => Assert.Equal("Bearer moderation-key", r.Authorization));
    }

    [Fact]
    public async Task Moderation_down_lets_texts_through_when_failing_open_and_records_it()
    {
        _moderation.Down = true;
        await StartWorkerAsync(Moderation());

        await _h.EnqueueAsync("user-open", "问题");
        await _h.WaitForExchangesAsync(1);
        Assert.Equal(["答复：问题"], _h.WeChat.MessagesTo("user-open"));
        Assert.Null(Assert.Single(await _h.ExchangesAsync()).Blocked);
        var decisions = await _h.SafetyDecisionsAsync();
        Assert.Equal([(SafetyDirection.Question, false, "unavailable"), (SafetyDirection.Answer, false, "unavailable")],
            decisions.OrderBy(d => d.Direction).Select(d => (d.Direction, d.Blocked, d.Rule)));
    }

    [Fact]
    public async Task Moderation_down_blocks_questions_when_failing_closed()
    {
        _moderation.Down = true;
        await StartWorkerAsync(Moderation(("Safety__ModerationFailClosed", "true")));

        await _h.EnqueueAsync("user-closed", "问题");
        await _h.WaitForExchangesAsync(1);
        Assert.Equal([BlockedQuestion], _h.WeChat.MessagesTo("user-closed"));
        Assert.Equal(0, _h.Llm.Calls);
        var decision = Assert.Single(await _h.SafetyDecisionsAsync());
        Assert.Equal((SafetyDirection.Question, SafetySource.Moderation, true, "unavailable"), (decision.Direction, decision.Source, decision.Blocked, decision.Rule));
    }

    [Fact]
    public async Task A_shown_reasoning_summary_is_checked_with_the_answer_and_dropped_with_it()
    {
        _h.Llm.Answer = _ => "<think>想想 Ｆorbidden 的事</think>答复：干净的回答";
        await StartWorkerAsync(new Dictionary<string, string?> { ["Llm__ShowReasoning"] = "true" });

        await _h.EnqueueAsync("user-reason", "问");
        await _h.WaitForExchangesAsync(1);
        Assert.Equal([BlockedAnswer], _h.WeChat.MessagesTo("user-reason"));
        var decision = Assert.Single(await _h.SafetyDecisionsAsync());
        Assert.Equal((SafetyDirection.Answer, "Ｆorbidden"), (decision.Direction, decision.Excerpt));
    }

    [Fact]
    public async Task A_worker_killed_while_pushing_a_blocked_answer_leaves_the_replacement_for_the_next_one()
    {
        _h.Llm.Answer = _ => "好的：forbidden";
        _h.WeChat.SendDelay = TimeSpan.FromSeconds(60);
        var first = await StartWorkerAsync();
        await _h.EnqueueAsync("user-crash", "问");
        await _h.WaitUntilAsync(() => _h.WeChat.SendsWaiting == 1, "the push to be waiting on WeChat");
        await first.KillAsync();

        _h.WeChat.SendDelay = TimeSpan.Zero;
        await StartWorkerAsync();
        await _h.WaitForExchangesAsync(1);
        Assert.Equal([BlockedAnswer], _h.WeChat.MessagesTo("user-crash"));
        Assert.Equal(1, _h.Llm.Calls); // the stored replacement, not a new (unchecked) answer
        var exchange = Assert.Single(await _h.ExchangesAsync());
        Assert.Equal((SafetyDirection.Answer, 2), (exchange.Blocked, exchange.Attempts));
        Assert.Equal(SafetyDirection.Answer, Assert.Single(await _h.SafetyDecisionsAsync()).Direction);
    }

    [Fact]
    public async Task A_term_added_to_a_word_list_blocks_without_a_restart()
    {
        var worker = await StartWorkerAsync();
        await _h.EnqueueAsync("user-w", "新词 newterm");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-w").Count == 1, "the answer before the change");
        Assert.Equal("答复：新词 newterm", _h.WeChat.MessagesTo("user-w")[0]);

        await File.WriteAllTextAsync(WordList, "违禁词\nForbidden\nNewTerm\n", TestContext.Current.CancellationToken);
        await _h.WaitUntilAsync(() => worker.Output.Contains("a word list changed; 3 term(s)", StringComparison.Ordinal), "the word list to be reloaded");

        await _h.EnqueueAsync("user-w", "新词 Ｎ Ｅ Ｗ ｔｅｒｍ");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-w").Count == 2, "the answer after the change");
        Assert.Equal(BlockedQuestion, _h.WeChat.MessagesTo("user-w")[1]);
        Assert.Equal(1, _h.Llm.Calls);
        await _h.WaitForExchangesAsync(2);
        Assert.Equal("NewTerm", Assert.Single(await _h.SafetyDecisionsAsync()).Rule);
    }

    [Fact]
    public async Task A_word_list_that_cannot_be_read_stops_the_worker_naming_the_setting()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => _h.StartWorkerAsync(new Dictionary<string, string?>
        {
            ["Safety__WordListPaths__0"] = Path.Combine(_folder, "missing.txt"),
        }));
        Assert.Contains("Safety:WordListPaths", error.Message, StringComparison.Ordinal);
    }

    private Task<ServiceProcess> StartWorkerAsync(Dictionary<string, string?>? settings = null)
    {
        settings ??= [];
        settings["Safety__WordListPaths__0"] = WordList;
        return _h.StartWorkerAsync(settings);
    }

    private Dictionary<string, string?> Moderation(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Safety__ModerationUrl"] = _moderation.Url.ToString(),
            ["Safety__ModerationApiKey"] = "moderation-key",
            ["Safety__ModerationTimeoutMs"] = "2000",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }
}
