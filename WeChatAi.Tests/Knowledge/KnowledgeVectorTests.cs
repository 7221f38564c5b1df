using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Simulator;

namespace WeChatAi.Tests.Knowledge;

/// <summary>
/// The knowledge base's vector path end to end: the worker embeds chunks at the simulator's <c>/v1/embeddings</c>,
/// the API embeds questions there and fuses the two rankings; a provider that is down leaves sources ready on keywords
/// and embedded later; a model change re-embeds; two workers embed each chunk once, and a source the provider refuses
/// waits without holding back the others. Real workers, API, simulator, Redis and PostgreSQL over HTTP.
/// </summary>
public sealed class KnowledgeVectorTests(PostgresServer postgres)
{
    [Fact]
    public async Task Sources_get_vectors_results_show_each_rank_and_a_question_sharing_no_word_with_its_answer_is_found_through_the_vectors()
    {
        await using var simulator = await SimulatorProcess.StartAsync(new Uri("http://127.0.0.1:9/wechat"));
        var settings = Settings(simulator, dimensions: null);
        await using var app = await KnowledgeApp.StartAsync(postgres, replicas: 1, worker: settings, api: settings);
        var api = app.A;

        var refunds = await app.AddAsync(new { title = "退款说明", text = "购买课程后七天内、学习不超过三节的，可以申请全额退款，款项原路退回，三到五个工作日到账。" });
        var schedule = await app.AddAsync(new { title = "上课时间", text = "每周二、周四晚上八点直播上课，错过的可以看回放，回放保留三十天。" });
        var prices = await app.AddAsync(new { title = "价格表", text = "Python 入门班每期 299 元，进阶班每期 599 元，两门一起报名立减 100 元。" });
        foreach (var id in new[] { refunds, schedule, prices })
        {
            var source = await app.WaitForStateAsync(id, "ready", Wait);
            Assert.Equal("simulator-embedding/native", source.GetProperty("embeddingModel").GetString());
        }

        await app.Harness.WaitUntilAsync(() => api.Output.Contains("Loaded 3 knowledge passages", StringComparison.Ordinal) && api.Output.Contains("3 with vectors", StringComparison.Ordinal), "the API loads 3 passages with vectors", TimeSpan.FromSeconds(10));
        await using (var db = app.Db())
        {
            var vectors = await db.KnowledgeChunks.Select(c => c.Embedding).ToListAsync(TestContext.Current.CancellationToken);
            Assert.All(vectors, v => Assert.Equal(256, v!.Length));
        }

        // Found by both rankings: each rank shown, the fused score ordering them.
        var both = await KnowledgeApp.SearchAsync(api, "课程买了能退款吗");
        Assert.Equal(refunds, both[0].SourceId);
        Assert.Equal((1, 1, 1), (both[0].KeywordRank, both[0].VectorRank, both[0].FusedRank));
        Assert.Equal(both[0].FusedScore, both[0].Score);
        Assert.Equal(Math.Round((1.0 / 61) + (1.0 / 61), 4), both[0].Score, 4);
        Assert.True(both[0].VectorScore > 0 && both[0].KeywordScore > 0);

        // "退钱" is not a word of the refund policy: keyword ranking misses it, the characters' vectors do not.
        var paraphrase = await KnowledgeApp.SearchAsync(api, "我想退钱");
        Assert.DoesNotContain(paraphrase, r => r.SourceId == refunds && r.KeywordRank is not null);
        var found = Assert.Single(paraphrase, r => r.SourceId == refunds);
        Assert.Equal((null, 1, 1), (found.KeywordRank, found.VectorRank, found.FusedRank));
        Assert.Equal(refunds, paraphrase[0].SourceId);
    }

    [Fact]
    public async Task A_provider_that_is_down_leaves_sources_ready_on_keywords_embedded_later_and_a_model_change_re_embeds_without_mixing_models()
    {
        await using var simulator = await SimulatorProcess.StartAsync(new Uri("http://127.0.0.1:9/wechat"));
        var settings = Settings(simulator, dimensions: null);
        await using var app = await KnowledgeApp.StartAsync(postgres, replicas: 1, worker: settings, api: settings);
        var (api, worker) = (app.A, app.Worker);

        await SetProviderAsync(simulator, unavailable: true);
        var refunds = await app.AddAsync(new { title = "退款说明", text = "购买课程后七天内可以申请全额退款，款项原路退回。" });
        var source = await app.WaitForAsync(refunds, s => s.GetProperty("state").GetString() == "ready", "ready without vectors", Wait);
        Assert.Equal(JsonValueKind.Null, source.GetProperty("embeddingModel").ValueKind);
        await app.WaitForPassagesAsync(api, 1);
        var keywordOnly = Assert.Single(await KnowledgeApp.SearchAsync(api, "怎么申请退款"));
        Assert.Equal((refunds, 1, (int?)null, (int?)null), (keywordOnly.SourceId, keywordOnly.KeywordRank, keywordOnly.VectorRank, keywordOnly.FusedRank));
        Assert.Contains("The embedding provider failed for passages (1 texts): HTTP 503", worker.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("全额退款", worker.Output, StringComparison.Ordinal); // the warning names no text

        // The provider back: the retry loop embeds the source, every replica loads its vectors.
        await SetProviderAsync(simulator, unavailable: false);
        await app.WaitForAsync(refunds, s => s.GetProperty("embeddingModel").GetString() == "simulator-embedding/native", "embedded later", Wait);
        await app.WaitUntilAsync(async () => (await KnowledgeApp.SearchAsync(api, "怎么申请退款")).FirstOrDefault()?.VectorRank == 1, "the vector rank once the provider is back", Wait);

        // A model change (here its dimensions): an API on the new model loads none of the old vectors...
        await worker.StopAsync(TimeSpan.FromSeconds(30));
        var changed = Settings(simulator, dimensions: 128);
        var newApi = await app.StartApiAsync(changed);
        await app.WaitForPassagesAsync(newApi, 1);
        Assert.Contains("0 with vectors", newApi.Output, StringComparison.Ordinal);
        Assert.Null(Assert.Single(await KnowledgeApp.SearchAsync(newApi, "怎么申请退款")).VectorRank);

        // ...until the worker on the new model re-embeds it.
        await app.Harness.StartWorkerAsync(changed);
        await app.WaitForAsync(refunds, s => s.GetProperty("embeddingModel").GetString() == "simulator-embedding/128", "re-embedded with the new model", Wait);
        await app.WaitUntilAsync(async () => (await KnowledgeApp.SearchAsync(newApi, "怎么申请退款")).FirstOrDefault()?.VectorRank == 1, "the new model's vectors searched", Wait);
        await using var db = app.Db();
        Assert.Equal(128, (await db.KnowledgeChunks.SingleAsync(TestContext.Current.CancellationToken)).Embedding!.Length);
    }

    [Fact]
    public async Task Two_workers_embed_each_chunk_once_and_a_source_the_provider_refuses_waits_in_PostgreSQL_without_holding_back_the_others()
    {
        await using var simulator = await SimulatorProcess.StartAsync(new Uri("http://127.0.0.1:9/wechat"));
        var settings = Settings(simulator, dimensions: null);
        settings["Knowledge__EmbeddingBatchSize"] = "1"; // a request per chunk: each source takes a while, so the two loops overlap
        await using var app = await KnowledgeApp.StartAsync(postgres, replicas: 1, worker: settings, api: settings);
        var second = await app.Harness.StartWorkerAsync(settings);

        // While the provider is down the sources become ready without vectors; the oldest is one the model cannot take
        // (an FAQ whose one chunk is longer than the simulator's 2,048 characters).
        await SetProviderAsync(simulator, unavailable: true);
        var refused = await app.AddAsync(new { question = "课程大纲全文", answer = string.Concat(Enumerable.Repeat("第一章讲变量和循环，第二章讲函数和文件。", 150)) });
        var others = new List<long>();
        foreach (var topic in new[] { "变量", "循环", "函数", "文件", "爬虫", "测试" })
        {
            others.Add(await app.AddAsync(new { title = $"{topic}课", text = string.Concat(Enumerable.Range(1, 60).Select(i => $"第{i}节讲{topic}的用法和练习。")) }));
        }

        foreach (var id in others.Prepend(refused))
        {
            await app.WaitForStateAsync(id, "ready", Wait);
        }

        int chunks;
        await using (var db = app.Db())
        {
            chunks = await db.KnowledgeSources.Where(s => others.Contains(s.Id)).SumAsync(s => s.ChunkCount, TestContext.Current.CancellationToken);
        }

        Assert.True(chunks >= others.Count * 2, $"{chunks} chunks");
        var textsBefore = await EmbeddedTextsAsync(simulator);

        // The provider back: both workers' loops embed; the refused source is passed over, each chunk embedded once.
        await SetProviderAsync(simulator, unavailable: false);
        foreach (var id in others)
        {
            await app.WaitForAsync(id, s => s.GetProperty("embeddingModel").GetString() == "simulator-embedding/native", "embedded", TimeSpan.FromSeconds(60));
        }

        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken); // three more rounds of each loop
        Assert.Equal(chunks, await EmbeddedTextsAsync(simulator) - textsBefore);
        Assert.Equal(JsonValueKind.Null, (await app.WaitForStateAsync(refused, "ready")).GetProperty("embeddingModel").ValueKind);
        var output = app.Worker.Output + second.Output;
        Assert.Contains("the embedding provider refused its chunks (1 times in a row)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("refused its chunks (2 times", output, StringComparison.Ordinal); // backed off, not retried every second
        Assert.Contains("The embedding provider failed for passages (1 texts): HTTP 400", output, StringComparison.Ordinal);
        await using (var db = app.Db())
        {
            var waiting = await db.KnowledgeSources.SingleAsync(s => s.Id == refused, TestContext.Current.CancellationToken);
            Assert.Equal(1, waiting.EmbeddingFailures);
            Assert.InRange(waiting.EmbeddingRetryAt!.Value, DateTimeOffset.UtcNow.AddMinutes(4), DateTimeOffset.UtcNow.AddMinutes(6));
            Assert.Null(waiting.EmbeddingClaimedUntil);
            Assert.All(await db.KnowledgeSources.Where(s => others.Contains(s.Id)).ToListAsync(TestContext.Current.CancellationToken), s => Assert.Null(s.EmbeddingClaimedUntil));
        }
    }

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static Dictionary<string, string?> Settings(SimulatorProcess simulator, int? dimensions)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Knowledge__EmbeddingEndpoint"] = new Uri(simulator.Client.BaseAddress!, "/v1").ToString(),
            ["Knowledge__EmbeddingModel"] = "simulator-embedding",
            ["Knowledge__EmbeddingApiKey"] = "simulator",
            ["Knowledge__EmbeddingRetrySeconds"] = "1",
            ["Knowledge__EmbeddingMaxRetries"] = "0",
        };
        if (dimensions is { } size)
        {
            settings["Knowledge__EmbeddingDimensions"] = size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return settings;
    }

    private static async Task SetProviderAsync(SimulatorProcess simulator, bool unavailable)
    {
        using var response = await simulator.Client.PostAsJsonAsync("/sim/embeddings", new { unavailable }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The texts the simulator's model has embedded (refusals and 503s not counted).</summary>
    private static async Task<long> EmbeddedTextsAsync(SimulatorProcess simulator) =>
        (await simulator.Client.GetFromJsonAsync<JsonElement>("/sim/embeddings", TestContext.Current.CancellationToken)).GetProperty("texts").GetInt64();
}
