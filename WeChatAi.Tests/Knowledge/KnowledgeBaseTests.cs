using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Knowledge;
using WeChatAi.Tests.Admin;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Security;
using WeChatAi.Tests.Worker;

namespace WeChatAi.Tests.Knowledge;

/// <summary>
/// The knowledge base end to end: sources added through one API replica, indexed by the worker, searched on the other
/// replica; real processes, Redis and PostgreSQL.
/// </summary>
public sealed class KnowledgeBaseTests(PostgresServer postgres)
{
    private const string Refunds = """
        # 退款政策

        购买课程后七天内、学习不超过三节的，可以申请全额退款，款项原路退回，三到五个工作日到账。

        ## 申请流程

        在公众号菜单点“我的订单”，选择订单后点“申请退款”，填写原因并提交，客服一个工作日内审核。
        """;

    private const string Prices = """
        # 课程价格

        Python 入门班每期 299 元，进阶班每期 599 元。两门一起报名立减 100 元，学生凭学生证再打九折。
        """;

    [Fact]
    public async Task Sources_become_ready_rank_the_right_passage_first_on_every_replica_and_an_edit_or_a_deletion_replaces_them()
    {
        await using var app = await KnowledgeApp.StartAsync(postgres);
        var refunds = await app.AddAsync(new { title = "退款说明", text = Refunds });
        var prices = await app.AddAsync(new { title = "价格表", text = Prices });
        var faq = await app.AddAsync(new { question = "怎么联系人工客服？", answer = "工作日 9:00–18:00 在公众号里回复“人工”，客服会接入。" });
        foreach (var id in new[] { refunds, prices, faq })
        {
            await app.WaitForStateAsync(id, "ready");
        }

        await app.WaitForPassagesAsync(app.B, 4); // two sections, one price list, one FAQ

        var source = (await app.AdminAsync(HttpMethod.Get, $"/api/admin/knowledge/sources/{refunds}")).Body;
        Assert.Equal("markdown", source.GetProperty("kind").GetString());
        Assert.Equal(2, source.GetProperty("chunks").GetInt32()); // one per section
        Assert.Equal(JsonValueKind.Null, source.GetProperty("error").ValueKind);
        var list = (await app.AdminAsync(HttpMethod.Get, "/api/admin/knowledge/sources")).Body;
        Assert.Equal(3, list.GetProperty("items").GetArrayLength());
        Assert.Equal(10 * 1024 * 1024, list.GetProperty("maxUploadBytes").GetInt32()); // Knowledge:MaxUploadBytes, for a client to show

        // Asked on replica B the way users ask, nothing shared word for word with a title.
        Assert.Equal(refunds, (await KnowledgeApp.SearchAsync(app.B, "课程买了能退款吗"))[0].SourceId);
        Assert.Equal(prices, (await KnowledgeApp.SearchAsync(app.B, "你们课程的价格是多少"))[0].SourceId);
        Assert.Equal(faq, (await KnowledgeApp.SearchAsync(app.B, "我要找人工"))[0].SourceId);
        var steps = (await KnowledgeApp.SearchAsync(app.B, "退款在哪里申请", top: 1)).Single();
        Assert.Equal("退款政策 / 申请流程", steps.Heading);
        Assert.Equal("退款说明", steps.Title);

        // The console's test question: each passage's match, which ones the worker would send (past Knowledge:MinScore,
        // 0.3 by default) and the source line its answer would end with; a question the base does not cover sends none.
        var asked = (await app.AdminAsync(HttpMethod.Post, "/api/admin/knowledge/search", Json(new { query = "退款在哪里申请", top = 5 }))).Body;
        Assert.Equal(0.3, asked.GetProperty("minScore").GetDouble());
        var passages = asked.GetProperty("results").EnumerateArray().ToList();
        Assert.True(passages[0].GetProperty("sent").GetBoolean());
        Assert.True(passages[0].GetProperty("match").GetDouble() >= 0.3);
        Assert.All(passages, p => Assert.Equal(p.GetProperty("match").GetDouble() >= 0.3, p.GetProperty("sent").GetBoolean()));
        Assert.Equal("参考：《退款说明》", asked.GetProperty("citation").GetString());
        var uncovered = (await app.AdminAsync(HttpMethod.Post, "/api/admin/knowledge/search", Json(new { query = "今天天气怎么样" }))).Body;
        Assert.DoesNotContain(uncovered.GetProperty("results").EnumerateArray(), p => p.GetProperty("sent").GetBoolean());
        Assert.Equal(JsonValueKind.Null, uncovered.GetProperty("citation").ValueKind);

        // A source's chunks in order with their section headings, a page at a time.
        var chunks = (await app.AdminAsync(HttpMethod.Get, $"/api/admin/knowledge/sources/{refunds}/chunks")).Body;
        var listed = chunks.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["退款政策", "退款政策 / 申请流程"], listed.Select(c => c.GetProperty("heading").GetString()));
        Assert.Contains("七天内", listed[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, chunks.GetProperty("nextAfter").ValueKind);
        var firstPage = (await app.AdminAsync(HttpMethod.Get, $"/api/admin/knowledge/sources/{refunds}/chunks?count=1")).Body;
        Assert.Equal(0, firstPage.GetProperty("nextAfter").GetInt32());
        var secondPage = (await app.AdminAsync(HttpMethod.Get, $"/api/admin/knowledge/sources/{refunds}/chunks?count=1&after=0")).Body;
        Assert.Equal("退款政策 / 申请流程", secondPage.GetProperty("items")[0].GetProperty("heading").GetString());

        // The same content again: accepted, nothing re-chunked (the chunk keeps its id), no audit row.
        var chunkBefore = (await KnowledgeApp.SearchAsync(app.A, "进阶班价格"))[0].ChunkId;
        var again = await app.AdminAsync(HttpMethod.Put, $"/api/admin/knowledge/sources/{prices}", Json(new { title = "价格表", text = Prices }));
        Assert.Equal(HttpStatusCode.Accepted, again.Status);
        Assert.Equal("ready", again.Body.GetProperty("state").GetString());
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken); // the worker looks every second
        Assert.Equal("ready", (await app.AdminAsync(HttpMethod.Get, $"/api/admin/knowledge/sources/{prices}")).Body.GetProperty("state").GetString());
        Assert.Equal(chunkBefore, (await KnowledgeApp.SearchAsync(app.B, "进阶班价格"))[0].ChunkId);

        // An edit: the old text leaves the index, the new one replaces it.
        var edited = await app.AdminAsync(HttpMethod.Put, $"/api/admin/knowledge/sources/{prices}", Json(new { title = "价格表", text = "Python 入门班现价 399 元，进阶班停售。" }));
        Assert.Equal(HttpStatusCode.Accepted, edited.Status);
        Assert.Equal("queued", edited.Body.GetProperty("state").GetString());
        await app.WaitForStateAsync(prices, "ready");
        await app.WaitUntilAsync(async () => (await KnowledgeApp.SearchAsync(app.B, "进阶班停售")).FirstOrDefault()?.Text.Contains("399", StringComparison.Ordinal) == true, "the edited text on replica B");
        Assert.DoesNotContain(await KnowledgeApp.SearchAsync(app.B, "学生证九折"), r => r.SourceId == prices);
        Assert.NotEqual(chunkBefore, (await KnowledgeApp.SearchAsync(app.B, "入门班"))[0].ChunkId);

        // A deletion: gone from the other replica's results within a few seconds.
        Assert.Equal(HttpStatusCode.NoContent, (await app.AdminAsync(HttpMethod.Delete, $"/api/admin/knowledge/sources/{refunds}")).Status);
        await app.WaitUntilAsync(async () => !(await KnowledgeApp.SearchAsync(app.B, "退款怎么申请")).Any(r => r.SourceId == refunds), "the deleted source gone from replica B", TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.NotFound, (await app.AdminAsync(HttpMethod.Get, $"/api/admin/knowledge/sources/{refunds}")).Status);

        var audit = (await app.AdminAsync(HttpMethod.Get, "/api/admin/audit?count=20")).Body.GetProperty("items").EnumerateArray()
            .Select(r => $"{r.GetProperty("action").GetString()} {r.GetProperty("target").GetString()}").ToList();
        Assert.Equal(
            [$"knowledge.delete knowledge:{refunds}", $"knowledge.update knowledge:{prices}", $"knowledge.create knowledge:{faq}", $"knowledge.create knowledge:{prices}", $"knowledge.create knowledge:{refunds}"],
            audit);
    }

    [Fact]
    public async Task Bad_input_is_refused_naming_the_problem_an_unindexable_source_fails_readably_and_a_crashed_claim_is_picked_up_again()
    {
        await using var app = await KnowledgeApp.StartAsync(postgres, replicas: 1);
        const string Sources = "/api/admin/knowledge/sources";

        await AssertRefusedAsync(app.AdminAsync(HttpMethod.Post, Sources, "{\"title\":"), HttpStatusCode.BadRequest, "title and text");
        await AssertRefusedAsync(app.AdminAsync(HttpMethod.Post, Sources, "{}"), HttpStatusCode.BadRequest, "not both and not neither");
        await AssertRefusedAsync(app.AdminAsync(HttpMethod.Post, Sources, Json(new { title = "t", text = "x", question = "q", answer = "a" })), HttpStatusCode.BadRequest, "not both");
        await AssertRefusedAsync(app.AdminAsync(HttpMethod.Post, Sources, Json(new { text = "正文" })), HttpStatusCode.BadRequest, "title must be");
        await AssertRefusedAsync(app.AdminAsync(HttpMethod.Post, Sources, Json(new { title = "标题", text = "  " })), HttpStatusCode.BadRequest, "text must be");
        await AssertRefusedAsync(app.AdminAsync(HttpMethod.Post, Sources, Json(new { question = "问题", answer = new string('长', 4001) })), HttpStatusCode.BadRequest, "answer must be");
        var (tooLarge, tooLargeBody) = await ChunkedUpload.SendDeclaredAsync(app.A.BaseAddress, "POST", Sources, "application/json", 1_200_000, KnowledgeApp.Headers);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge);
        Assert.Contains("1,048,576 bytes", tooLargeBody, StringComparison.Ordinal);
        await AssertRefusedAsync(app.AdminAsync(HttpMethod.Post, "/api/admin/knowledge/search", Json(new { query = " " })), HttpStatusCode.BadRequest, "query must be");
        await AssertRefusedAsync(app.AdminAsync(HttpMethod.Post, "/api/admin/knowledge/search", Json(new { query = "退款", top = 0 })), HttpStatusCode.BadRequest, "top must be");
        await AssertRefusedAsync(app.AdminAsync(HttpMethod.Get, $"{Sources}/999"), HttpStatusCode.NotFound, "No knowledge source 999");
        await AssertRefusedAsync(app.AdminAsync(HttpMethod.Put, $"{Sources}/999", Json(new { title = "t", text = "正文" })), HttpStatusCode.NotFound, "No knowledge source 999");
        await AssertRefusedAsync(app.AdminAsync(HttpMethod.Delete, $"{Sources}/999"), HttpStatusCode.NotFound, "No knowledge source 999");
        await AssertRefusedAsync(app.AdminAsync(HttpMethod.Get, $"{Sources}/999/chunks"), HttpStatusCode.NotFound, "No knowledge source 999");
        await AssertRefusedAsync(app.AdminAsync(HttpMethod.Get, $"{Sources}/999/chunks?after=-1"), HttpStatusCode.BadRequest, "after must be");
        Assert.Equal(HttpStatusCode.Unauthorized, (await AdminApi.SendAsync(app.A.Client, HttpMethod.Get, Sources, new Dictionary<string, string>())).Status);

        var empty = await app.AddAsync(new { title = "只有标点", text = "。。。！！！……" });
        var failed = await app.WaitForStateAsync(empty, "failed");
        Assert.Contains("no words to index", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, failed.GetProperty("chunks").GetInt32());

        // A source a crashed worker left processing two minutes ago (past the lease) is indexed again.
        long stranded;
        await using (var db = app.Db())
        {
            var now = DateTimeOffset.UtcNow;
            var source = new KnowledgeSource
            {
                AppId = WorkerHarness.AppId, Kind = KnowledgeSourceKind.Text, Title = "开课时间", Content = "每周二、周四晚上八点直播上课，可以看回放。",
                ContentHash = "stranded", State = KnowledgeSourceState.Processing, ProcessingSince = now.AddMinutes(-2), CreatedAt = now, UpdatedAt = now,
            };
            db.KnowledgeSources.Add(source);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            stranded = source.Id;
        }

        await app.WaitForStateAsync(stranded, "ready");
        await app.WaitUntilAsync(async () => (await KnowledgeApp.SearchAsync(app.A, "几点上课")).FirstOrDefault()?.SourceId == stranded, "the stranded source found");
    }

    private static async Task AssertRefusedAsync(Task<(HttpStatusCode Status, JsonElement Body)> call, HttpStatusCode status, string detail)
    {
        var (actual, body) = await call;
        Assert.Equal(status, actual);
        Assert.Contains(detail, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static string Json(object value) => KnowledgeApp.Json(value);
}
