using System.Net;
using System.Text.Json;
using StackExchange.Redis;
using WeChatAi.Core.Data.Knowledge;
using WeChatAi.Core.Knowledge;
using WeChatAi.Simulator.Llm;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Simulator;
using WeChatAi.Tests.Worker;

namespace WeChatAi.Tests.Knowledge;

/// <summary>
/// Answering from the knowledge base end to end: questions through the API's webhook, the worker retrieving passages
/// and asking the LLM (the simulator's model, which answers from passages, behind the test's fake server, which counts
/// calls), the answer pushed with its citation; the exchange's passages and the missed questions through the admin API.
/// </summary>
public sealed class KnowledgeAnswerTests(PostgresServer postgres)
{
    private const string Label = "【本回复由人工智能生成】";
    private const string PricesUrl = "https://example.com/articles/prices?from=menu&id=7";

    private const string Refunds = """
        # 退款说明

        购买课程后七天内、学习不超过三节的，可以申请全额退款，款项原路退回，三到五个工作日到账。

        ## 申请流程

        在公众号菜单点“我的订单”，选择订单后点“申请退款”，填写原因并提交，客服一个工作日内审核。
        """;

    private const string Prices = "Python 入门班每期 299 元，进阶班每期 599 元。两门一起报名立减 100 元，学生凭学生证再打九折。";

    [Fact]
    public async Task An_answer_from_the_base_cites_its_sources_before_the_label_keeps_its_passages_and_a_missed_question_answered_as_an_FAQ_is_answered_from_it()
    {
        // The harness turns the label off for other features' tests; here it is the default one.
        await using var app = await KnowledgeApp.StartAsync(postgres, replicas: 1, worker: new Dictionary<string, string?> { ["Compliance__AiLabel"] = null });
        app.Harness.Llm.Answer = question => FakeLlm.Answer(question, 0);
        var worker = app.Harness.Workers[0];
        var refunds = await app.AddAsync(new { title = "退款说明", text = Refunds });
        var prices = await AddArticleAsync(app, "价格表", Prices, PricesUrl); // the article kinds add their own; the column is there
        await app.WaitForStateAsync(refunds, "ready");
        await app.WaitForStateAsync(prices, "ready");
        await app.WaitForWorkerPassagesAsync(worker, 3);

        var refundAnswer = await app.AskAsync("oKbRefund", "退款怎么申请");
        Assert.StartsWith(FakeKnowledgeAnswer.Prefix, refundAnswer, StringComparison.Ordinal);
        Assert.EndsWith("\n参考：《退款说明》\n" + Label, refundAnswer, StringComparison.Ordinal);

        var priceAnswer = await app.AskAsync("oKbPrice", "进阶班多少钱");
        Assert.StartsWith(FakeKnowledgeAnswer.Prefix + "Python 入门班每期 299 元，进阶班每期 599 元。", priceAnswer, StringComparison.Ordinal);
        Assert.EndsWith($"\n参考：<a href=\"{PricesUrl}\">《价格表》</a>\n{Label}", priceAnswer, StringComparison.Ordinal);
        var sent = app.Harness.Llm.Requests.Last()[^1].Content;
        Assert.StartsWith("下面 <knowledge> 里是", sent, StringComparison.Ordinal);
        Assert.EndsWith(KnowledgePrompt.QuestionLabel + "进阶班多少钱", sent, StringComparison.Ordinal);

        // The passages are kept with the exchange and shown with it by the console's conversation endpoint.
        var kept = await ExchangeKnowledgeAsync(app, "oKbPrice");
        Assert.True(kept.GetProperty("cited").GetBoolean());
        Assert.False(kept.GetProperty("missed").GetBoolean());
        var passage = kept.GetProperty("passages")[0];
        Assert.Equal(prices, passage.GetProperty("sourceId").GetInt64());
        Assert.True(passage.GetProperty("chunkId").GetInt64() > 0);
        Assert.True(passage.GetProperty("score").GetDouble() > 0);
        Assert.InRange(passage.GetProperty("match").GetDouble(), 0.3, 1.0);

        // Not in the base: the LLM answers alone, nothing cited, and the question is recorded as missed, with its twin.
        var weather = await app.AskAsync("oKbWeather1", "今天天气怎么样");
        Assert.StartsWith(FakeLlm.Marker + "你问的是：「今天天气怎么样」", weather, StringComparison.Ordinal);
        Assert.DoesNotContain("参考：", weather, StringComparison.Ordinal);
        Assert.Equal("今天天气怎么样", app.Harness.Llm.Requests.Last()[^1].Content);
        await app.AskAsync("oKbWeather2", "今天天气如何");
        var groups = default(JsonElement);
        await app.WaitUntilAsync(async () =>
        {
            groups = (await app.AdminAsync(HttpMethod.Get, "/api/admin/knowledge/missed")).Body.GetProperty("groups");
            return groups.GetArrayLength() == 1 && groups[0].GetProperty("count").GetInt32() == 2;
        }, "the two weather questions grouped");
        var group = groups[0];
        Assert.Equal("今天天气如何", group.GetProperty("question").GetString()); // the newest stands for the group
        Assert.Equal(["今天天气如何", "今天天气怎么样"], group.GetProperty("examples").EnumerateArray().Select(e => e.GetString()));
        Assert.False((await ExchangeKnowledgeAsync(app, "oKbWeather1")).GetProperty("cited").GetBoolean());

        // Answered as an FAQ: a source like any other, the group marked answered, audited; then asked again, cited.
        var (status, accepted) = await app.AdminAsync(
            HttpMethod.Post, $"/api/admin/knowledge/missed/{group.GetProperty("id").GetInt64()}/answer",
            KnowledgeApp.Json(new { answer = "今天晴，最高 20 度。", question = "今天天气怎么样" }));
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(2, accepted.GetProperty("questions").GetInt32());
        var faq = accepted.GetProperty("id").GetInt64();
        Assert.Equal("faq", (await app.WaitForStateAsync(faq, "ready")).GetProperty("kind").GetString());
        Assert.Equal(0, (await app.AdminAsync(HttpMethod.Get, "/api/admin/knowledge/missed")).Body.GetProperty("groups").GetArrayLength());
        var (again, _) = await app.AdminAsync(HttpMethod.Post, $"/api/admin/knowledge/missed/{group.GetProperty("id").GetInt64()}/answer", KnowledgeApp.Json(new { answer = "x" }));
        Assert.Equal(HttpStatusCode.Conflict, again);
        var audit = (await app.AdminAsync(HttpMethod.Get, "/api/admin/audit?count=1")).Body.GetProperty("items")[0];
        Assert.Equal("knowledge.missed.answer", audit.GetProperty("action").GetString());
        Assert.Equal($"knowledge:{faq}", audit.GetProperty("target").GetString());

        await app.WaitForWorkerPassagesAsync(worker, 4);
        Assert.Equal($"{FakeKnowledgeAnswer.Prefix}今天晴，最高 20 度。\n参考：《今天天气怎么样》\n{Label}", await app.AskAsync("oKbWeather3", "今天天气怎么样"));

        // A deleted source is cited no more.
        Assert.Equal(HttpStatusCode.NoContent, (await app.AdminAsync(HttpMethod.Delete, $"/api/admin/knowledge/sources/{refunds}")).Status);
        await app.WaitForWorkerPassagesAsync(worker, 2);
        var afterDeletion = await app.AskAsync("oKbRefund2", "退款怎么申请");
        Assert.DoesNotContain("退款说明", afterDeletion, StringComparison.Ordinal);
        Assert.DoesNotContain("参考：", afterDeletion, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Strict_mode_answers_only_from_the_base_without_an_LLM_call_when_nothing_passes_the_bar_and_off_mode_never_consults_it()
    {
        const string Fallback = "这个问题只能由人工回答，请留言。";
        await using var app = await KnowledgeApp.StartAsync(
            postgres, replicas: 1, worker: new Dictionary<string, string?> { ["Knowledge__Mode"] = "strict", ["Knowledge__StrictFallbackText"] = Fallback });
        app.Harness.Llm.Answer = question => FakeLlm.Answer(question, 0);
        var refunds = await app.AddAsync(new { title = "退款说明", text = Refunds });
        await app.WaitForStateAsync(refunds, "ready");
        await app.WaitForWorkerPassagesAsync(app.Harness.Workers[0], 2);

        Assert.Equal(Fallback, await app.AskAsync("oKbStrict1", "今天天气怎么样"));
        Assert.Equal(0, app.Harness.Llm.Calls);

        var answered = await app.AskAsync("oKbStrict2", "退款怎么申请");
        Assert.StartsWith(FakeKnowledgeAnswer.Prefix, answered, StringComparison.Ordinal);
        Assert.EndsWith("\n参考：《退款说明》", answered, StringComparison.Ordinal);
        Assert.Equal(1, app.Harness.Llm.Calls);

        // The LLM says the passages do not cover it: the marker never reaches the user, strict mode sends the fallback, a miss.
        app.Harness.Llm.Answer = _ => KnowledgePrompt.NotCovered + "大概三天吧。";
        Assert.Equal(Fallback, await app.AskAsync("oKbStrict3", "退款多久到账"));
        var kept = await ExchangeKnowledgeAsync(app, "oKbStrict3");
        Assert.True(kept.GetProperty("missed").GetBoolean());
        Assert.False(kept.GetProperty("cited").GetBoolean());
        Assert.Equal(refunds, kept.GetProperty("passages")[0].GetProperty("sourceId").GetInt64());
        await app.WaitUntilAsync(async () =>
            (await app.AdminAsync(HttpMethod.Get, "/api/admin/knowledge/missed")).Body.GetProperty("questions").GetInt32() == 2, "both misses listed");

        // Off: a worker that never consults the base (nor loads it for a question).
        await app.Harness.Workers[0].StopAsync(TimeSpan.FromSeconds(10));
        await app.Harness.StartWorkerAsync(new Dictionary<string, string?> { ["Knowledge__Mode"] = "off" });
        app.Harness.Llm.Answer = question => FakeLlm.Answer(question, 0);
        var plain = await app.AskAsync("oKbOff", "退款怎么申请");
        Assert.StartsWith(FakeLlm.Marker + "你问的是：「退款怎么申请」", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("参考：", plain, StringComparison.Ordinal);
        Assert.Equal("退款怎么申请", app.Harness.Llm.Requests.Last()[^1].Content);
        Assert.Equal(JsonValueKind.Null, (await ExchangeKnowledgeAsync(app, "oKbOff")).ValueKind);
    }

    [Fact]
    public async Task A_question_in_other_words_than_its_source_passes_the_bar_on_its_vector_and_is_answered_from_it_and_cited()
    {
        await using var simulator = await SimulatorProcess.StartAsync(new Uri("http://127.0.0.1:9/wechat"));
        var embeddings = new Dictionary<string, string?>
        {
            ["Knowledge__EmbeddingEndpoint"] = new Uri(simulator.Client.BaseAddress!, "/v1").ToString(),
            ["Knowledge__EmbeddingModel"] = "simulator-embedding",
            ["Knowledge__EmbeddingApiKey"] = "simulator",
        };
        await using var app = await KnowledgeApp.StartAsync(postgres, replicas: 1, worker: embeddings);
        app.Harness.Llm.Answer = question => FakeLlm.Answer(question, 0);
        var refunds = await app.AddAsync(new { title = "退款说明", text = "购买课程后七天内、学习不超过三节的，可以申请全额退款，款项原路退回，三到五个工作日到账。" });
        var schedule = await app.AddAsync(new { title = "上课时间", text = "每周二、周四晚上八点直播上课，错过的可以看回放，回放保留三十天。" });
        var prices = await app.AddAsync(new { title = "价格表", text = "Python 入门班每期 299 元，进阶班每期 599 元，两门一起报名立减 100 元。" });
        foreach (var id in new[] { refunds, schedule, prices })
        {
            Assert.Equal("simulator-embedding/native", (await app.WaitForStateAsync(id, "ready", TimeSpan.FromSeconds(30))).GetProperty("embeddingModel").GetString());
        }

        await app.Harness.WaitUntilAsync(() => app.Worker.Output.Contains("Loaded 3 knowledge passages", StringComparison.Ordinal) && app.Worker.Output.Contains("3 with vectors", StringComparison.Ordinal), "the worker loads 3 passages with vectors", TimeSpan.FromSeconds(30));

        // "退全款" is not how the policy says it: its keyword match is under Knowledge:MinScore, its cosine over Knowledge:MinVectorScore.
        var answer = await app.AskAsync("oKbVector", "七天内退全款吗");
        Assert.StartsWith(FakeKnowledgeAnswer.Prefix + "购买课程后七天内", answer, StringComparison.Ordinal);
        Assert.EndsWith("\n参考：《退款说明》", answer, StringComparison.Ordinal);
        var kept = await ExchangeKnowledgeAsync(app, "oKbVector");
        Assert.True(kept.GetProperty("cited").GetBoolean());
        var passage = Assert.Single(kept.GetProperty("passages").EnumerateArray()); // the schedule's cosine is under the bar
        Assert.Equal(refunds, passage.GetProperty("sourceId").GetInt64());
        Assert.InRange(passage.GetProperty("match").GetDouble(), 0.0, 0.29); // the keyword bar alone would have sent nothing
    }

    [Fact]
    public async Task Settings_out_of_range_stop_the_worker_naming_them()
    {
        await using var harness = await WorkerHarness.StartAsync(postgres);
        foreach (var (key, value, message) in new[]
        {
            ("Knowledge__Mode", "loose", "Knowledge:Mode"),
            ("Knowledge__MinScore", "1.5", "Knowledge:MinScore must be between 0 and 1"),
            ("Knowledge__TopPassages", "0", "Knowledge:TopPassages must be between 1 and 10"),
            ("Knowledge__MinVectorScore", "-0.1", "Knowledge:MinVectorScore must be between 0 and 1"),
            ("Knowledge__MinRerankScore", "2", "Knowledge:MinRerankScore must be between 0 and 1"),
        })
        {
            var worker = ServiceProcess.Launch("WeChatAi.Worker", harness.Environment(new Dictionary<string, string?> { [key] = value }));
            await using (worker)
            {
                await harness.WaitUntilAsync(() => worker.HasExited, $"the worker refuses {key}={value}", TimeSpan.FromSeconds(60));
                Assert.Contains(message, worker.Output, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>A source with a web address, queued as the worker finds it (the API's URL sources are another kind's).</summary>
    private static async Task<long> AddArticleAsync(KnowledgeApp app, string title, string text, string url)
    {
        await using var db = app.Db();
        var now = DateTimeOffset.UtcNow;
        var source = new KnowledgeSource
        {
            AppId = WorkerHarness.AppId, Kind = KnowledgeSourceKind.Text, Title = title, Url = url, Content = text, ContentHash = "article",
            State = KnowledgeSourceState.Queued, CreatedAt = now, UpdatedAt = now,
        };
        db.KnowledgeSources.Add(source);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return source.Id;
    }

    /// <summary>The <c>knowledge</c> of the user's latest exchange, as the console's conversation page reads it (once recorded).</summary>
    private static async Task<JsonElement> ExchangeKnowledgeAsync(KnowledgeApp app, string openId)
    {
        var items = default(JsonElement);
        await app.WaitUntilAsync(async () =>
        {
            var (status, body) = await app.AdminAsync(HttpMethod.Get, $"/api/admin/users/{openId}/exchanges");
            items = status == HttpStatusCode.OK ? body.GetProperty("items") : default;
            return items.ValueKind == JsonValueKind.Array && items.GetArrayLength() > 0;
        }, $"{openId}'s exchange recorded");
        return items[0].GetProperty("knowledge");
    }
}
