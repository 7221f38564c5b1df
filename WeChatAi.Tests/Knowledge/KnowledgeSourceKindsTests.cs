using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Knowledge;
using WeChatAi.Tests.Admin;
using WeChatAi.Tests.Fakes;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Security;
using WeChatAi.Tests.Simulator;
using WeChatAi.Tests.Worker;

namespace WeChatAi.Tests.Knowledge;

/// <summary>
/// Issue 25, items 1, 6 and 7: uploads (Markdown, HTML, PDF, DOCX), a page by URL and the account's published articles
/// become sources the worker extracts and indexes; bad files, internal URLs, pages that do not answer are refused at
/// once or fail readably. Real API, worker, simulator, Redis and PostgreSQL over HTTP.
/// </summary>
public sealed class KnowledgeSourceKindsTests(PostgresServer postgres)
{
    private const string AdminKey = KnowledgeApp.AdminKey;
    private const string Sources = "/api/admin/knowledge/sources";
    private const int MaxUploadBytes = 200_000;

    private static readonly Dictionary<string, string> Headers = new() { ["X-Admin-Key"] = AdminKey };

    /// <summary>How long these tests wait for the worker (extraction, fetching, syncing).</summary>
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Uploads_and_pages_become_searchable_bad_files_are_refused_or_fail_readably_and_a_refresh_rechunks_only_a_changed_page()
    {
        await using var pages = await PageServer.StartAsync();
        var development = new Dictionary<string, string?> { ["Knowledge__AllowPrivateAddresses"] = "true", ["Knowledge__FetchTimeoutSeconds"] = "2" };
        await using var app = await KnowledgeApp.StartAsync(postgres, replicas: 1, worker: development, api: WithUploadLimit(development));
        var api = app.A;

        // Markdown, HTML (no title given: the page's own), PDF (its document title), DOCX.
        var markdown = await UploadAsync(api, "退款.md", Encoding.UTF8.GetBytes("# 退款政策\n\n购买课程后七天内可以申请全额退款，三到五个工作日到账。"), title: "退款说明");
        var html = await UploadAsync(api, "page.html", Encoding.UTF8.GetBytes(PageServer.Html("直播课每周二晚上八点开始，可以看回放。")));
        var pdf = await UploadAsync(api, "policy.pdf", Pdf("Scholarship rules", "Students scoring above ninety receive a scholarship of five hundred yuan."));
        var docx = await UploadAsync(api, "手册.docx", Docx(("Heading1", "发票"), (null, "电子发票在付款后二十四小时内开具，发到预留邮箱。")));
        foreach (var id in new[] { markdown, html, pdf, docx })
        {
            await app.WaitForStateAsync(id, "ready", Long);
        }

        Assert.Equal("markdown", (await app.GetSourceAsync(markdown)).GetProperty("kind").GetString());
        var htmlSource = await app.GetSourceAsync(html);
        Assert.Equal(("html", "课程安排 - 示例学院"), (htmlSource.GetProperty("kind").GetString(), htmlSource.GetProperty("title").GetString()));
        Assert.Equal("Scholarship rules", (await app.GetSourceAsync(pdf)).GetProperty("title").GetString());
        Assert.Equal("手册", (await app.GetSourceAsync(docx)).GetProperty("title").GetString()); // no document title: the file's name

        await app.WaitForFirstAsync("退款多久到账", markdown);
        Assert.Equal("直播课每周二晚上八点开始，可以看回放。", (await app.WaitForFirstAsync("直播几点开始", html)).Text); // no navigation, script or footer
        await app.WaitForFirstAsync("scholarship ninety", pdf);
        var invoice = await app.WaitForFirstAsync("发票什么时候开", docx);
        Assert.Equal("发票", invoice.Heading);

        // A changed upload for the same source: its chunks replaced, none left of the old one.
        var (changed, _) = await UploadAsync(api, HttpMethod.Put, $"{Sources}/{docx}", "手册.docx", Docx(("Heading1", "发票"), (null, "纸质发票需要另付快递费十元。")));
        Assert.Equal(HttpStatusCode.Accepted, changed);
        await app.WaitForStateAsync(docx, "ready", Long);
        await app.WaitForFirstAsync("纸质发票快递费", docx, "纸质发票需要另付快递费十元。");
        Assert.DoesNotContain(await KnowledgeApp.SearchAsync(api, "电子发票预留邮箱"), r => r.Text.Contains("电子发票", StringComparison.Ordinal));
        Assert.Equal(1, (await app.GetSourceAsync(docx)).GetProperty("chunks").GetInt32());

        // Refused at once: unsupported, mismatched, empty; a corrupt PDF fails readably; the others stay searchable.
        await AssertProblemAsync(UploadAsync(api, HttpMethod.Post, Sources, "setup.exe", [0x4D, 0x5A, 0x90, 0x00]), HttpStatusCode.UnsupportedMediaType, "Accepted: .txt, .md, .html, .htm, .pdf, .docx");
        await AssertProblemAsync(UploadAsync(api, HttpMethod.Post, Sources, "fake.pdf", Encoding.UTF8.GetBytes("<html>not a pdf</html>")), HttpStatusCode.UnsupportedMediaType, "does not match its extension .pdf");
        await AssertProblemAsync(UploadAsync(api, HttpMethod.Post, Sources, "notes.txt", [0xFF, 0xFE, 0x00, 0x41]), HttpStatusCode.UnsupportedMediaType, "UTF-8");
        var corrupt = await UploadAsync(api, "broken.pdf", [.. "%PDF-1.7\n1 0 obj\n<< /Type /Catalog"u8]);
        var failed = await app.WaitForStateAsync(corrupt, "failed", Long);
        Assert.StartsWith("The PDF could not be read: ", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        await app.WaitForFirstAsync("退款多久到账", markdown);

        // Over Knowledge:MaxUploadBytes: 413 naming it, from the declared length (a raw socket: no broken pipe).
        var (tooLarge, tooLargeBody) = await ChunkedUpload.SendDeclaredAsync(api.BaseAddress, "POST", Sources, "multipart/form-data; boundary=x", MaxUploadBytes + 1, Headers);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge);
        Assert.Contains("Knowledge:MaxUploadBytes (200,000 bytes)", tooLargeBody, StringComparison.Ordinal);

        // A page by URL: fetched, its main text indexed, its URL kept; a refresh of an unchanged page keeps its chunks.
        var url = pages.Url("/courses").ToString();
        var page = await app.AddAsync(new { url });
        var ready = await app.WaitForStateAsync(page, "ready", Long);
        Assert.Equal((url, "课程安排 - 示例学院", "url"), (ready.GetProperty("url").GetString(), ready.GetProperty("title").GetString(), ready.GetProperty("kind").GetString()));
        await app.WaitForFirstAsync("报名截止日期", page);
        var chunks = await ChunkIdsAsync(app, page);
        var fetches = pages.Hits("/courses");
        await RefreshAsync(app, page);
        await app.Harness.WaitUntilAsync(() => pages.Hits("/courses") > fetches, "the page fetched again", Long);
        await app.WaitForStateAsync(page, "ready", Long);
        Assert.Equal(chunks, await ChunkIdsAsync(app, page)); // the stored rows, not a replica's index that may not have reloaded yet
        pages.CoursesText = "秋季班报名九月一日开始，名额一百人。";
        await RefreshAsync(app, page);
        await app.WaitForFirstAsync("秋季班名额", page, "秋季班报名九月一日开始，名额一百人。");
        Assert.DoesNotContain(await KnowledgeApp.SearchAsync(api, "报名截止日期"), r => r.Text.Contains("截止", StringComparison.Ordinal));

        // A page that does not answer in time, and one that is missing, fail readably.
        var slow = await app.AddAsync(new { url = pages.Url("/slow").ToString(), title = "慢页面" });
        var missing = await app.AddAsync(new { url = pages.Url("/missing").ToString() });
        Assert.Equal("The page did not answer within Knowledge:FetchTimeoutSeconds (2 s).", (await app.WaitForStateAsync(slow, "failed", Long)).GetProperty("error").GetString());
        Assert.Equal("The page answered 404.", (await app.WaitForStateAsync(missing, "failed", Long)).GetProperty("error").GetString());

        var audit = (await app.AdminAsync(HttpMethod.Get, "/api/admin/audit?count=50")).Body.GetProperty("items").EnumerateArray()
            .Select(r => r.GetProperty("action").GetString()).ToList();
        Assert.Equal(2, audit.Count(a => a == "knowledge.refresh"));
        Assert.Equal(1, audit.Count(a => a == "knowledge.update"));
    }

    [Fact]
    public async Task Published_articles_sync_into_sources_without_duplicates_an_unpublished_one_leaves_and_internal_urls_are_refused_at_once()
    {
        await using var simulator = await SimulatorProcess.StartAsync(new Uri("http://127.0.0.1:9/wechat"));
        var account = new Dictionary<string, string?>
        {
            ["WeChat__ApiBaseUrl"] = simulator.Client.BaseAddress!.ToString(),
            ["WeChat__AppId"] = SimulatorProcess.AppId,
            ["WeChat__AppSecret"] = SimulatorProcess.AppSecret,
        };
        await using var app = await KnowledgeApp.StartAsync(postgres, replicas: 1, worker: account, api: WithUploadLimit(new() { ["WeChat__AppId"] = SimulatorProcess.AppId }));
        var api = app.A;

        // Internal URLs are refused before anything is stored (the API keeps the default guard).
        foreach (var (internalUrl, reason) in new[]
        {
            ("http://127.0.0.1:6379/", "loopback"), ("http://10.1.2.3/wiki", "private"), ("http://169.254.169.254/latest/meta-data/", "link-local"),
            ("http://localhost:8080/admin", "loopback"), ("file:///etc/passwd", "Only http and https"),
        })
        {
            var (status, body) = await app.AdminAsync(HttpMethod.Post, Sources, JsonSerializer.Serialize(new { url = internalUrl }));
            Assert.True(status == HttpStatusCode.BadRequest, $"{internalUrl}: {status}");
            Assert.Contains(reason, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal("never", (await app.AdminAsync(HttpMethod.Get, "/api/admin/knowledge/sync-articles")).Body.GetProperty("state").GetString());
        var first = await SyncAsync(app);
        Assert.Equal((3, 3, 0, 0), Counts(first));
        var articles = await ArticlesAsync(app);
        Assert.Equal(3, articles.Count);
        foreach (var article in articles)
        {
            await app.WaitForStateAsync(article.GetProperty("id").GetInt64(), "ready", Long);
        }

        var refunds = articles.Single(a => a.GetProperty("title").GetString() == "退款与售后说明");
        Assert.Equal("https://mp.weixin.qq.com/s/sim_article_refunds", refunds.GetProperty("url").GetString());
        var found = await app.WaitForFirstAsync("退款几天到账", refunds.GetProperty("id").GetInt64());
        Assert.Equal("到账时间", found.Heading);
        Assert.DoesNotContain("<", found.Text, StringComparison.Ordinal);

        // A second sync, after the token was refreshed elsewhere (the worker's is refused: 40001, renewed through the
        // shared path): nothing new, nothing changed, no duplicates.
        await simulator.StableTokenAsync(forceRefresh: true);
        Assert.Equal((3, 0, 0, 0), Counts(await SyncAsync(app)));
        Assert.Equal(3, (await ArticlesAsync(app)).Count);

        // Unpublished on WeChat (one article of a two-article publication): its source leaves, and its passages.
        var scholarship = articles.Single(a => a.GetProperty("title").GetString() == "奖学金计划").GetProperty("id").GetInt64();
        await app.WaitForFirstAsync("奖学金多少钱", scholarship);
        var token = await simulator.StableTokenAsync();
        Assert.Equal(0, (await simulator.PostJsonAsync($"/cgi-bin/freepublish/delete?access_token={token}", new { article_id = "sim_article_courses", index = 2 })).GetProperty("errcode").GetInt32());
        Assert.Equal((2, 0, 0, 1), Counts(await SyncAsync(app)));
        Assert.DoesNotContain(await ArticlesAsync(app), a => a.GetProperty("id").GetInt64() == scholarship);
        await app.WaitUntilAsync(async () => !(await KnowledgeApp.SearchAsync(api, "奖学金多少钱")).Any(r => r.SourceId == scholarship), "the unpublished article gone from search", Long);

        // An article is the sync's: an operator's edit is refused.
        var (edit, editBody) = await app.AdminAsync(HttpMethod.Put, $"{Sources}/{refunds.GetProperty("id").GetInt64()}", JsonSerializer.Serialize(new { title = "t", text = "x" }));
        Assert.Equal(HttpStatusCode.Conflict, edit);
        Assert.Contains("published article", editBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, (await app.AdminAsync(HttpMethod.Get, "/api/admin/audit?count=50")).Body.GetProperty("items").EnumerateArray()
            .Count(r => r.GetProperty("action").GetString() == "knowledge.sync-articles"));
    }

    [Fact]
    public async Task A_sync_refused_by_WeChats_daily_quota_fails_readably_and_removes_nothing()
    {
        await using var wechat = await QuotaExceededWeChat.StartAsync();
        await using var app = await KnowledgeApp.StartAsync(
            postgres, replicas: 1, worker: new Dictionary<string, string?> { ["WeChat__ApiBaseUrl"] = wechat.BaseAddress.ToString() }, api: WithUploadLimit([]));
        var api = app.A;
        long synced;
        await using (var db = app.Db())
        {
            var now = DateTimeOffset.UtcNow;
            var article = new KnowledgeSource
            {
                AppId = WorkerHarness.AppId, Kind = KnowledgeSourceKind.Article, ExternalId = "earlier:1", Title = "早先同步的文章",
                Content = "<p>会员每月可以免费预约一次一对一答疑。</p>", ContentHash = "earlier", CreatedAt = now, UpdatedAt = now,
            };
            db.KnowledgeSources.Add(article);
            await db.SaveChangesAsync(Ct);
            synced = article.Id;
        }

        await app.AdminAsync(HttpMethod.Post, "/api/admin/knowledge/sync-articles");
        var sync = default(JsonElement);
        await app.WaitUntilAsync(async () => (sync = (await app.AdminAsync(HttpMethod.Get, "/api/admin/knowledge/sync-articles")).Body).GetProperty("state").GetString() == "failed",
            "the sync failing", Long);

        Assert.Equal("WeChat's daily quota for freepublish/batchget is used up (errcode 45009); sync again tomorrow. Nothing was removed.", sync.GetProperty("error").GetString());
        Assert.Equal(1, wechat.BatchGets);
        Assert.Equal(HttpStatusCode.OK, (await app.AdminAsync(HttpMethod.Get, $"{Sources}/{synced}")).Status);
    }

    private static (int Articles, int Created, int Updated, int Removed) Counts(JsonElement sync) =>
        (sync.GetProperty("articles").GetInt32(), sync.GetProperty("created").GetInt32(), sync.GetProperty("updated").GetInt32(), sync.GetProperty("removed").GetInt32());

    private static async Task<JsonElement> SyncAsync(KnowledgeApp app)
    {
        var (status, queued) = await app.AdminAsync(HttpMethod.Post, "/api/admin/knowledge/sync-articles");
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.True(queued.GetProperty("state").GetString() is "queued" or "running" or "done", queued.ToString()); // the worker looks every second
        var sync = default(JsonElement);
        await app.WaitUntilAsync(async () =>
        {
            sync = (await app.AdminAsync(HttpMethod.Get, "/api/admin/knowledge/sync-articles")).Body;
            return sync.GetProperty("state").GetString() is "done" or "failed";
        }, "the article sync", Long);
        Assert.True(sync.GetProperty("state").GetString() == "done", sync.ToString());
        return sync;
    }

    private static async Task<List<JsonElement>> ArticlesAsync(KnowledgeApp app) =>
        [.. (await app.AdminAsync(HttpMethod.Get, Sources)).Body.GetProperty("items").EnumerateArray().Where(s => s.GetProperty("kind").GetString() == "article")];

    /// <summary>The API's settings with this test's upload limit (small, so the 413 is quick to reach).</summary>
    private static Dictionary<string, string?> WithUploadLimit(Dictionary<string, string?> settings) =>
        new(settings) { ["Knowledge__MaxUploadBytes"] = MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    private static async Task<long> UploadAsync(ServiceProcess api, string fileName, byte[] bytes, string? title = null)
    {
        var (status, body) = await UploadAsync(api, HttpMethod.Post, Sources, fileName, bytes, title);
        Assert.True(status == HttpStatusCode.Accepted, $"{fileName}: {status} {body}");
        return body.GetProperty("id").GetInt64();
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> UploadAsync(
        ServiceProcess api, HttpMethod method, string path, string fileName, byte[] bytes, string? title = null)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        if (title is not null)
        {
            form.Add(new StringContent(title), "title");
        }

        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = form };
        request.Headers.Add("X-Admin-Key", AdminKey);
        using var response = await api.Client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task RefreshAsync(KnowledgeApp app, long id)
    {
        var (status, body) = await app.AdminAsync(HttpMethod.Post, $"{Sources}/{id}/refresh");
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("queued", body.GetProperty("state").GetString());
    }

    private static async Task<List<long>> ChunkIdsAsync(KnowledgeApp app, long sourceId)
    {
        await using var db = app.Db();
        return await db.KnowledgeChunks.Where(c => c.SourceId == sourceId).OrderBy(c => c.Id).Select(c => c.Id).ToListAsync(Ct);
    }

    private static async Task AssertProblemAsync(Task<(HttpStatusCode Status, JsonElement Body)> call, HttpStatusCode status, string detail)
    {
        var (actual, body) = await call;
        Assert.True(actual == status, $"{actual}: {body}");
        Assert.Contains(detail, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static byte[] Pdf(string title, string sentence)
    {
        var builder = new PdfDocumentBuilder();
        builder.DocumentInformation.Title = title;
        builder.AddPage(595, 842).AddText(sentence, 10, new PdfPoint(40, 780), builder.AddStandard14Font(Standard14Font.Helvetica));
        return builder.Build();
    }

    internal static byte[] Docx(params (string? Style, string Text)[] paragraphs)
    {
        using var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, DocumentFormat.OpenXml.WordprocessingDocumentType.Document))
        {
            document.AddMainDocumentPart().Document = new Document(new Body([.. paragraphs.Select(p => p.Style is null
                ? new Paragraph(new Run(new Text(p.Text)))
                : new Paragraph(new ParagraphProperties(new ParagraphStyleId { Val = p.Style }), new Run(new Text(p.Text))))]));
        }

        return stream.ToArray();
    }

    /// <summary>WeChat's API on a day its freepublish quota is spent: tokens are issued, batchget answers 45009.</summary>
    private sealed class QuotaExceededWeChat : FakeHttpServer
    {
        private int _batchGets;

        public int BatchGets => Volatile.Read(ref _batchGets);

        public static async Task<QuotaExceededWeChat> StartAsync()
        {
            var server = new QuotaExceededWeChat();
            await server.StartAsyncCore();
            return server;
        }

        protected override void Map(WebApplication app)
        {
            app.MapPost("/cgi-bin/stable_token", () => Results.Json(new { access_token = "quota-token", expires_in = 7200 }));
            app.MapPost("/cgi-bin/freepublish/batchget", () =>
            {
                Interlocked.Increment(ref _batchGets);
                return Results.Json(new { errcode = 45009, errmsg = "reach max api daily quota limit" });
            });
        }
    }

    /// <summary>A web site on 127.0.0.1: <c>/courses</c> (its text settable), <c>/slow</c> (answers after 30 s), 404 elsewhere.</summary>
    private sealed class PageServer : FakeHttpServer
    {
        private int _courses;

        public string CoursesText { get; set; } = "春季班报名截止日期是三月一日，开课后不再接受插班。";

        public int Hits(string path) => path == "/courses" ? Volatile.Read(ref _courses) : 0;

        public Uri Url(string path) => new(BaseAddress, path);

        public static async Task<PageServer> StartAsync()
        {
            var server = new PageServer();
            await server.StartAsyncCore();
            return server;
        }

        /// <summary>A page with the noise a real one has: navigation, a script, a footer.</summary>
        public static string Html(string text) => $"""
            <html><head><meta charset="utf-8"><title>课程安排 - 示例学院</title><script>var t = "追踪脚本";</script></head>
            <body><nav><a href="/">首页</a><a href="/all">全部课程</a></nav>
            <article><h1>课程安排</h1><p>{text}</p></article>
            <footer>版权所有 示例学院</footer></body></html>
            """;

        protected override void Map(WebApplication app)
        {
            app.MapGet("/courses", () =>
            {
                Interlocked.Increment(ref _courses);
                return Results.Content(Html(CoursesText), "text/html; charset=utf-8");
            });
            app.MapGet("/slow", async (CancellationToken ct) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(30), ct);
                return Results.Content(Html("太慢了"), "text/html");
            });
        }
    }
}
