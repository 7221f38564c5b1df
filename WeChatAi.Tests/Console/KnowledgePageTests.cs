using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Knowledge;
using WeChatAi.Tests.Simulator;
using static Microsoft.Playwright.Assertions;

namespace WeChatAi.Tests.Console;

/// <summary>
/// The console's 知识库 page as an operator uses it, against the whole app: a document uploaded, indexed and cited in
/// the chat page's answer; the test question's ranked passages; a question the base missed answered as an FAQ with one
/// click and cited the next time; the passages in the conversation view; a deletion confirmed; the audit.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class KnowledgePageTests(AppHostFixture fixture)
{
    private const string Title = "星辰烘焙课程说明";
    private const string Covered = "星辰烘焙课的学费是多少";
    private const string Missed = "停车场免费吗";
    private static readonly TimeSpan Answered = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_uploaded_document_answers_with_its_citation_and_a_missed_question_answered_as_an_faq_is_cited_next_time()
    {
        var simulator = fixture.App.GetEndpoint("simulator", "http");
        using var sim = new HttpClient { BaseAddress = simulator };
        await using var console = await ConsoleBrowser.SignedInAsync(fixture);
        var page = console.Page;

        // (a) A Word document uploaded: the list follows it from queued to ready without a reload.
        await console.GoToAsync("knowledge");
        await Expect(page.Locator("#knowledge-upload-limit")).ToHaveTextAsync("10 MB");
        await page.Locator(".knowledge-upload input[type=file]").SetInputFilesAsync(new FilePayload
        {
            Name = Title + ".docx",
            MimeType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Buffer = KnowledgeSourceKindsTests.Docx(("Heading1", "学费"), (null, "星辰烘焙课的学费是每期六百八十元，包含全部食材。"), ("Heading1", "地点"), (null, "上课地点在文三路八十八号三楼。")),
        });
        var row = page.Locator("tr.knowledge-source-row", new() { HasText = Title });
        await Expect(row.Locator(".knowledge-state")).ToHaveTextAsync("ready", new() { Timeout = 60_000 });
        await Expect(row.Locator(".knowledge-chunks")).ToHaveTextAsync("2");
        await console.ScreenshotAsync("knowledge");

        // Its chunks, each under its heading.
        await row.Locator(".knowledge-show-chunks").ClickAsync();
        await Expect(page.Locator(".knowledge-chunk")).ToHaveCountAsync(2);
        await Expect(page.Locator(".knowledge-chunk").First).ToContainTextAsync("学费");
        await Expect(page.Locator(".knowledge-chunk").First).ToContainTextAsync("六百八十元");

        // The test question: ranked passages with scores, the one past the bar marked sent, the citation it would get.
        await console.GoToAsync("knowledge");
        await page.ClickAsync("text=测试提问 Ask a test question");
        await page.Locator("#knowledge-ask").FillAsync(Covered);
        await page.ClickAsync("#knowledge-ask-go");
        var best = page.Locator("tr.knowledge-result-row").First;
        await Expect(best.Locator(".knowledge-result-text")).ToContainTextAsync("六百八十元");
        await Expect(best.Locator(".knowledge-result-sent")).ToBeVisibleAsync();
        await Expect(page.Locator(".knowledge-citation-line")).ToHaveTextAsync($"参考：《{Title}》");
        await console.ScreenshotAsync("knowledge-ask");

        // The chat page's user asks what the document covers: the pushed answer ends with the citation, then the AI label.
        string openId;
        await using (var chat = await ChatBrowser.OpenAsync(simulator, "知识库用户"))
        {
            openId = await chat.OpenIdAsync();
            await chat.SendAsync(Covered);
            await Expect(chat.Page.Locator(".bubble.push").First).ToContainTextAsync($"参考：《{Title}》", new() { Timeout = (float)Answered.TotalMilliseconds });
        }

        var answer = await PushedAsync(sim, openId, $"参考：《{Title}》");
        Assert.Contains("六百八十元", answer, StringComparison.Ordinal);
        Assert.Matches($"\n参考：《{Title}》\n[^\n]*人工智能[^\n]*$", answer);

        // Its passages in the conversation view, one click away.
        await console.GoToAsync("conversations");
        await (await console.SearchUsersAsync(Covered)).First.ClickAsync();
        await page.ClickAsync(".passages-button");
        await Expect(page.Locator(".answer-passages .passage-title").First).ToHaveTextAsync(Title);

        // (b) A question the base does not cover: listed under 未命中的问题, answered as an FAQ with one click.
        string missedUser;
        await using (var chat = await ChatBrowser.OpenAsync(simulator, "未命中用户"))
        {
            missedUser = await chat.OpenIdAsync();
            await chat.SendAsync(Missed);
            var first = await PushedAsync(sim, missedUser, "【模拟AI】");
            Assert.DoesNotContain("参考：", first, StringComparison.Ordinal);

            await console.GoToAsync("knowledge");
            await page.ClickAsync("text=未命中的问题 Missed questions");
            var group = page.Locator("tr.missed-row", new() { HasText = Missed });
            for (var tries = 0; await group.CountAsync() == 0 && tries < 20; tries++)
            {
                await page.WaitForTimeoutAsync(1000); // exchanges (and their misses) are written in batches
                await page.ClickAsync("#missed-reload");
            }

            await Expect(group).ToHaveCountAsync(1);
            await console.ScreenshotAsync("knowledge-missed");
            await group.Locator(".missed-answer").ClickAsync();
            await Expect(page.Locator(".source-question input")).ToHaveValueAsync(Missed);
            await page.Locator(".source-answer textarea").FillAsync("停车场对学员免费，凭学员证进出。");
            await page.ClickAsync(".source-save");
            await Expect(group).ToHaveCountAsync(0);

            await page.ClickAsync("text=资料 Sources");
            var faq = page.Locator("tr.knowledge-source-row", new() { HasText = Missed });
            await Expect(faq.Locator(".knowledge-state")).ToHaveTextAsync("ready", new() { Timeout = 60_000 });

            // Every replica reloads the index within about a second of the change: ask until the answer cites the FAQ.
            var cited = chat.Page.Locator(".bubble.push", new() { HasText = $"参考：《{Missed}》" });
            for (var tries = 0; await cited.CountAsync() == 0 && tries < 10; tries++)
            {
                await chat.SendAsync(Missed);
                await chat.Page.WaitForTimeoutAsync(3000);
            }

            await Expect(cited.First).ToContainTextAsync("免费", new() { Timeout = (float)Answered.TotalMilliseconds });
        }

        // Both deleted after a confirmation (the shared AppHost's base empty again for the other tests); every change is in the audit.
        await console.GoToAsync("knowledge");
        foreach (var source in new[] { row, page.Locator("tr.knowledge-source-row", new() { HasText = Missed }) })
        {
            await source.Locator(".knowledge-delete").ClickAsync();
            await page.Locator(".mud-dialog button", new() { HasText = "删除 Delete" }).ClickAsync();
            await Expect(source).ToHaveCountAsync(0);
        }

        await console.GoToAsync("audit");
        foreach (var action in new[] { "knowledge.create", "knowledge.missed.answer", "knowledge.delete" })
        {
            await Expect(page.Locator("tr.audit-row .audit-action", new() { HasText = action }).First).ToBeVisibleAsync();
        }
    }

    /// <summary>The newest push to <paramref name="openId"/> containing <paramref name="text"/>, as the simulator received it.</summary>
    private static async Task<string> PushedAsync(HttpClient sim, string openId, string text)
    {
        var deadline = DateTime.UtcNow + Answered;
        while (true)
        {
            var timeline = await sim.GetFromJsonAsync<JsonElement>($"/sim/users/{openId}/timeline", TestContext.Current.CancellationToken);
            var pushed = timeline.EnumerateArray()
                .Where(e => e.GetProperty("kind").GetString() == "push")
                .Select(e => e.GetProperty("text").GetString()!)
                .LastOrDefault(t => t.Contains(text, StringComparison.Ordinal));
            if (pushed is not null)
            {
                return pushed;
            }

            Assert.True(DateTime.UtcNow < deadline, $"No push containing {text} for {openId} within {Answered.TotalSeconds} s:\n{timeline}");
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }
    }
}
