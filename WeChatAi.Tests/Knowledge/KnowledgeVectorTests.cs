using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using WeChatAi.Core.Data;
using WeChatAi.Tests.Admin;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Simulator;
using WeChatAi.Tests.Worker;

namespace WeChatAi.Tests.Knowledge;

/// <summary>
/// The knowledge base's vector path end to end: the worker embeds chunks at the simulator's <c>/v1/embeddings</c>,
/// the API embeds questions there and fuses the two rankings; a provider that is down leaves sources ready on keywords
/// and embedded later; a model change re-embeds. Real worker, API, simulator, Redis and PostgreSQL over HTTP.
/// </summary>
public sealed class KnowledgeVectorTests(PostgresServer postgres)
{
    private const string AdminKey = "knowledge-vector-admin-key-0123";

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static readonly Dictionary<string, string> Headers = new() { ["X-Admin-Key"] = AdminKey };

    [Fact]
    public async Task Sources_get_vectors_results_show_each_rank_and_a_question_sharing_no_word_with_its_answer_is_found_through_the_vectors()
    {
        await using var simulator = await SimulatorProcess.StartAsync(new Uri("http://127.0.0.1:9/wechat"));
        await using var harness = await WorkerHarness.StartAsync(postgres);
        var settings = Settings(harness, simulator, dimensions: null);
        await harness.StartWorkerAsync(settings);
        await using var api = await ServiceProcess.StartAsync("WeChatAi.Api", settings);

        var refunds = await AddAsync(api, new { title = "退款说明", text = "购买课程后七天内、学习不超过三节的，可以申请全额退款，款项原路退回，三到五个工作日到账。" });
        var schedule = await AddAsync(api, new { title = "上课时间", text = "每周二、周四晚上八点直播上课，错过的可以看回放，回放保留三十天。" });
        var prices = await AddAsync(api, new { title = "价格表", text = "Python 入门班每期 299 元，进阶班每期 599 元，两门一起报名立减 100 元。" });
        foreach (var id in new[] { refunds, schedule, prices })
        {
            var source = await WaitForAsync(harness, api, id, s => s.GetProperty("state").GetString() == "ready", "ready");
            Assert.Equal("simulator-embedding/native", source.GetProperty("embeddingModel").GetString());
        }

        await harness.WaitUntilAsync(() => api.Output.Contains("Loaded 3 knowledge passages", StringComparison.Ordinal) && api.Output.Contains("3 with vectors", StringComparison.Ordinal), "the API loads 3 passages with vectors", TimeSpan.FromSeconds(10));
        await using (var db = Db(harness))
        {
            var vectors = await db.KnowledgeChunks.Select(c => c.Embedding).ToListAsync(TestContext.Current.CancellationToken);
            Assert.All(vectors, v => Assert.Equal(256, v!.Length));
        }

        // Found by both rankings: each rank shown, the fused score ordering them.
        var both = await SearchAsync(api, "课程买了能退款吗");
        Assert.Equal(refunds, both[0].SourceId);
        Assert.Equal((1, 1, 1), (both[0].KeywordRank, both[0].VectorRank, both[0].FusedRank));
        Assert.Equal(both[0].FusedScore, both[0].Score);
        Assert.Equal(Math.Round((1.0 / 61) + (1.0 / 61), 4), both[0].Score, 4);
        Assert.True(both[0].VectorScore > 0 && both[0].KeywordScore > 0);

        // "退钱" is not a word of the refund policy: keyword ranking misses it, the characters' vectors do not.
        var paraphrase = await SearchAsync(api, "我想退钱");
        Assert.DoesNotContain(paraphrase, r => r.SourceId == refunds && r.KeywordRank is not null);
        var found = Assert.Single(paraphrase, r => r.SourceId == refunds);
        Assert.Equal((null, 1, 1), (found.KeywordRank, found.VectorRank, found.FusedRank));
        Assert.Equal(refunds, paraphrase[0].SourceId);
    }

    [Fact]
    public async Task A_provider_that_is_down_leaves_sources_ready_on_keywords_embedded_later_and_a_model_change_re_embeds_without_mixing_models()
    {
        await using var simulator = await SimulatorProcess.StartAsync(new Uri("http://127.0.0.1:9/wechat"));
        await using var harness = await WorkerHarness.StartAsync(postgres);
        var settings = Settings(harness, simulator, dimensions: null);
        var worker = await harness.StartWorkerAsync(settings);
        var api = await ServiceProcess.StartAsync("WeChatAi.Api", settings);
        try
        {
            await SetProviderAsync(simulator, unavailable: true);
            var refunds = await AddAsync(api, new { title = "退款说明", text = "购买课程后七天内可以申请全额退款，款项原路退回。" });
            var source = await WaitForAsync(harness, api, refunds, s => s.GetProperty("state").GetString() == "ready", "ready without vectors");
            Assert.Equal(JsonValueKind.Null, source.GetProperty("embeddingModel").ValueKind);
            await harness.WaitUntilAsync(() => api.Output.Contains("Loaded 1 knowledge passages", StringComparison.Ordinal), "the API loads the passage", TimeSpan.FromSeconds(10));
            var keywordOnly = Assert.Single(await SearchAsync(api, "怎么申请退款"));
            Assert.Equal((refunds, 1, (int?)null, (int?)null), (keywordOnly.SourceId, keywordOnly.KeywordRank, keywordOnly.VectorRank, keywordOnly.FusedRank));
            Assert.Contains("The embedding provider failed for passages (1 texts): HTTP 503", worker.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("全额退款", worker.Output, StringComparison.Ordinal); // the warning names no text

            // The provider back: the retry loop embeds the source, every replica loads its vectors.
            await SetProviderAsync(simulator, unavailable: false);
            await WaitForAsync(harness, api, refunds, s => s.GetProperty("embeddingModel").GetString() == "simulator-embedding/native", "embedded later");
            await harness.WaitUntilAsync(async () => (await SearchAsync(api, "怎么申请退款")).FirstOrDefault()?.VectorRank == 1, "the vector rank once the provider is back", TimeSpan.FromSeconds(15));

            // A model change (here its dimensions): an API on the new model loads none of the old vectors...
            await worker.StopAsync(TimeSpan.FromSeconds(30));
            await api.DisposeAsync();
            var changed = Settings(harness, simulator, dimensions: 128);
            api = await ServiceProcess.StartAsync("WeChatAi.Api", changed);
            await harness.WaitUntilAsync(() => api.Output.Contains("Loaded 1 knowledge passages", StringComparison.Ordinal), "the API on the new model loads the passage", TimeSpan.FromSeconds(10));
            Assert.Contains("0 with vectors", api.Output, StringComparison.Ordinal);
            Assert.Null(Assert.Single(await SearchAsync(api, "怎么申请退款")).VectorRank);

            // ...until the worker on the new model re-embeds it.
            worker = await harness.StartWorkerAsync(changed);
            await WaitForAsync(harness, api, refunds, s => s.GetProperty("embeddingModel").GetString() == "simulator-embedding/128", "re-embedded with the new model");
            await harness.WaitUntilAsync(async () => (await SearchAsync(api, "怎么申请退款")).FirstOrDefault()?.VectorRank == 1, "the new model's vectors searched", TimeSpan.FromSeconds(15));
            await using var db = Db(harness);
            Assert.Equal(128, (await db.KnowledgeChunks.SingleAsync(TestContext.Current.CancellationToken)).Embedding!.Length);
        }
        finally
        {
            await api.DisposeAsync();
        }
    }

    private static Dictionary<string, string?> Settings(WorkerHarness harness, SimulatorProcess simulator, int? dimensions)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Admin__ApiKey"] = AdminKey,
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

        return harness.Environment(settings);
    }

    private static async Task SetProviderAsync(SimulatorProcess simulator, bool unavailable)
    {
        using var response = await simulator.Client.PostAsJsonAsync("/sim/embeddings", new { unavailable }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
    }

    private static async Task<long> AddAsync(ServiceProcess api, object body)
    {
        var (status, answer) = await AdminApi.SendAsync(api.Client, HttpMethod.Post, "/api/admin/knowledge/sources", Headers, JsonSerializer.Serialize(body));
        Assert.Equal(HttpStatusCode.Accepted, status);
        return answer.GetProperty("id").GetInt64();
    }

    private static async Task<JsonElement> WaitForAsync(WorkerHarness harness, ServiceProcess api, long id, Func<JsonElement, bool> condition, string what)
    {
        var source = default(JsonElement);
        await harness.WaitUntilAsync(async () =>
        {
            source = (await AdminApi.SendAsync(api.Client, HttpMethod.Get, $"/api/admin/knowledge/sources/{id}", Headers)).Body;
            return condition(source);
        }, $"source {id} {what}", TimeSpan.FromSeconds(15));
        return source;
    }

    private static async Task<List<Found>> SearchAsync(ServiceProcess api, string query)
    {
        var (status, body) = await AdminApi.SendAsync(api.Client, HttpMethod.Post, "/api/admin/knowledge/search", Headers, JsonSerializer.Serialize(new { query, top = 5 }));
        Assert.Equal(HttpStatusCode.OK, status);
        return body.GetProperty("results").Deserialize<List<Found>>(Web)!;
    }

    private static WeChatDbContext Db(WorkerHarness harness) =>
        new(new DbContextOptionsBuilder<WeChatDbContext>().UseNpgsql(harness.Database + ";Pooling=false").Options);

    private sealed record Found(
        long SourceId, long ChunkId, string Title, double Score, int? KeywordRank, double? KeywordScore, int? VectorRank, double? VectorScore, int? FusedRank, double? FusedScore);
}
