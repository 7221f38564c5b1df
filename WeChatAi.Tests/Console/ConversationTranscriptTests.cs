using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using WeChatAi.Tests.Billing;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Simulator;
using static Microsoft.Playwright.Assertions;

namespace WeChatAi.Tests.Console;

/// <summary>
/// A user's conversation in the console reads like WeChat's chat: one simulated user (小明…) follows, asks for a very long
/// Markdown answer with a script and a javascript: link in it, sends an image and a voice message, buys credits (the
/// "充值成功" notice), has a message dead-lettered and retried, and is blocked by the operator; the page is driven in
/// Chromium as an operator reads it.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class ConversationTranscriptTests(AppHostFixture fixture)
{
    private static readonly TimeSpan Answered = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_conversation_shows_bubbles_media_notices_and_operator_actions_with_details_one_click_away()
    {
        var simulator = fixture.App.GetEndpoint("simulator", "http");
        using var sim = new HttpClient { BaseAddress = simulator };
        var nickname = "小明" + Guid.NewGuid().ToString("N")[..6];
        var created = await (await sim.PostAsJsonAsync("/sim/users", new { name = nickname }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var openId = created.GetProperty("openId").GetString()!;
        using (var follow = await sim.PostAsync($"/sim/users/{openId}/follow", null, Ct))
        {
            follow.EnsureSuccessStatusCode();
        }

        using var api = await AdminClientAsync();
        var question = "超长 **粗体** <script>window.__xss = 1</script> [点我](javascript:window.__xss=2)";
        await SendAsync(sim, $"/sim/users/{openId}/messages", new { text = question });
        await WaitForExchangesAsync(api, openId, 1);
        await SendAsync(sim, $"/sim/users/{openId}/image", new { color = "#1e88e5", width = 64, height = 48 });
        await WaitForExchangesAsync(api, openId, 2);
        await SendAsync(sim, $"/sim/users/{openId}/voice", new { });
        await WaitForExchangesAsync(api, openId, 3);

        using (var browser = new SimulatedWeChatBrowser(simulator))
        {
            var me = await browser.OpenPayPageAsync(openId);
            var products = await browser.Http.GetFromJsonAsync<JsonElement>("/api/products", Ct);
            var order = await browser.CreateOrderAsync(me, products.EnumerateArray().First().GetProperty("id").GetString()!);
            Assert.Equal("get_brand_wcpay_request:ok", await browser.ConfirmPaymentAsync(order));
        }

        await WaitForExchangesAsync(api, openId, 4);
        await DeadLetterAndRetryAsync(sim, api, openId, "这条会变成死信");

        await using var console = await ConsoleBrowser.SignedInAsync(fixture);
        var page = console.Page;

        // The nickname the console shows is the remark the simulator set as the operator: searching it finds the user.
        await console.GoToAsync("conversations");
        var rows = await console.SearchUsersAsync(nickname);
        await rows.First.ClickAsync();
        await Expect(page.Locator("#user-nickname")).ToHaveTextAsync(nickname);

        // The operator blocks the user: a system line in the transcript, after every exchange.
        await page.ClickAsync("#block");
        await page.Locator(".prompt-input input").FillAsync("刷屏广告");
        await page.ClickAsync(".prompt-ok");
        await Expect(page.Locator("#user-blocked")).ToContainTextAsync("刷屏广告");
        var block = page.Locator("#transcript .operator-action[data-action='user.block']");
        await Expect(block).ToContainTextAsync("刷屏广告");
        await Expect(page.Locator("#transcript .operator-action[data-action='user.nickname']")).ToContainTextAsync(nickname);

        // Oldest first, as a chat reads; the notice is a system line, not the user's question.
        var turns = page.Locator("#transcript .turn");
        await Expect(turns).ToHaveCountAsync(5);
        Assert.Equal(["text", "image", "voice", "notice", "text"], await turns.EvaluateAllAsync<string[]>("ts => ts.map(t => t.dataset.kind)"));
        await Expect(turns.Nth(3).Locator(".system-line.notice")).ToContainTextAsync("充值成功");
        await Expect(page.Locator("#transcript .bubble.user", new() { HasText = "充值成功" })).ToHaveCountAsync(0);
        await Expect(turns.Nth(1).Locator(".bubble.user")).ToContainTextAsync("[图片]");
        await Expect(turns.Nth(2).Locator(".bubble.user .media-tag")).ToContainTextAsync("[语音]");
        await Expect(turns.Nth(2).Locator(".bubble.user .transcription")).Not.ToBeEmptyAsync();
        Assert.True(await block.EvaluateAsync<bool>("(b, last) => !!(last.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING)", await turns.Nth(4).ElementHandleAsync()));

        // Markdown rendered, HTML and javascript: links not: the script is text, the link's text stays without a link.
        var answer = turns.First.Locator(".exchange-answer");
        await Expect(answer.Locator("strong", new() { HasText = "要点" })).ToBeVisibleAsync();
        await Expect(answer.Locator("strong", new() { HasText = "粗体" })).ToHaveCountAsync(1);
        Assert.DoesNotContain("**要点**", await answer.InnerTextAsync(), StringComparison.Ordinal);
        await Expect(answer).ToContainTextAsync("<script>window.__xss = 1</script>");
        await Expect(answer).ToContainTextAsync("点我");
        await Expect(page.Locator("#transcript a[href^='javascript']")).ToHaveCountAsync(0);
        await Expect(page.Locator("#transcript script")).ToHaveCountAsync(0);
        Assert.True(await page.EvaluateAsync<bool>("() => window.__xss === undefined"));
        await Expect(turns.First.Locator(".ai-label")).ToHaveTextAsync("【本回复由人工智能生成】");

        // A 6,000-character answer is collapsed: the page stays a few screens tall until it is expanded.
        var expand = turns.First.Locator(".expand-answer");
        await Expect(expand).ToContainTextAsync("展开全文");
        var length = int.Parse((await expand.InnerTextAsync()).Split('(')[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(length >= 6000, $"the answer has {length} characters");
        var height = await page.EvaluateAsync<int>("() => document.documentElement.scrollHeight");
        Assert.True(height < 3000, $"the page is {height} px tall with the long answer collapsed");

        // Each turn's details one click away (the attempts across a dead letter's retry: Worker/DeadLetterTests).
        var detailed = turns.First;
        await detailed.Locator(".details-button").ClickAsync();
        await Expect(detailed.Locator(".detail-attempts")).Not.ToBeEmptyAsync();
        await Expect(detailed.Locator(".detail-outcome")).Not.ToBeEmptyAsync();
        await Expect(detailed.Locator(".detail-latency")).ToContainTextAsync("ms");
        await Expect(detailed.Locator(".detail-tokens")).ToContainTextAsync("+");
        await Expect(detailed.Locator(".detail-charge")).Not.ToBeEmptyAsync();
        await Expect(detailed.Locator(".detail-safety")).ToContainTextAsync("通过 passed");

        await expand.ClickAsync();
        await Expect(turns.First.Locator(".expand-answer")).ToContainTextAsync("收起");
        Assert.True(await page.EvaluateAsync<int>("() => document.documentElement.scrollHeight") > height);

        // A narrow window: the bubbles wrap, nothing of the conversation runs off to the side.
        await page.SetViewportSizeAsync(400, 800);
        await Expect(turns.First).ToBeVisibleAsync();
        const string Outside = """
            () => [...document.querySelectorAll('#user-card *, #transcript *')]
                .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
            """;
        // The layout moves its drawer away at this width: look again until it has settled.
        var outside = await page.EvaluateAsync<string[]>(Outside);
        for (var tries = 0; outside.Length > 0 && tries < 20; tries++)
        {
            await page.WaitForTimeoutAsync(250);
            outside = await page.EvaluateAsync<string[]>(Outside);
        }

        Assert.Empty(outside);
    }

    /// <summary>The LLM fails every call until the message is dead-lettered; it is retried through the API once the LLM is back.</summary>
    private static async Task<int> DeadLetterAndRetryAsync(HttpClient sim, HttpClient api, string openId, string text)
    {
        await SimulatedLlm.SetUnavailableAsync(sim, 1.0);
        string id;
        int attempts;
        try
        {
            await SendAsync(sim, $"/sim/users/{openId}/messages", new { text });
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            while (true)
            {
                var page = await api.GetFromJsonAsync<JsonElement>("/api/admin/dead-letters", Ct);
                var dead = page.GetProperty("deadLetters").EnumerateArray().Where(d => d.GetProperty("job").GetProperty("openId").GetString() == openId).ToList();
                if (dead.Count == 1)
                {
                    id = dead[0].GetProperty("id").GetString()!;
                    attempts = dead[0].GetProperty("attempts").GetInt32();
                    break;
                }

                Assert.True(DateTime.UtcNow < deadline, "no dead letter within 3 minutes");
                await Task.Delay(1000, Ct);
            }
        }
        finally
        {
            await SimulatedLlm.SetUnavailableAsync(sim, 0);
        }

        using (var retry = await api.PostAsync($"/api/admin/dead-letters/{Uri.EscapeDataString(id)}/retry", null, Ct))
        {
            retry.EnsureSuccessStatusCode();
        }

        var answeredBy = DateTime.UtcNow + Answered;
        while ((await ExchangesAsync(api, openId)).Last().GetProperty("outcome").GetString() != "answered")
        {
            Assert.True(DateTime.UtcNow < answeredBy, "the retried message was not answered");
            await Task.Delay(500, Ct);
        }

        return attempts;
    }

    private async Task<HttpClient> AdminClientAsync()
    {
        var http = new HttpClient { BaseAddress = fixture.App.GetEndpoint("api", "http") };
        http.DefaultRequestHeaders.Add("X-Admin-Key", (await fixture.EnvironmentOfAsync("api"))["Admin__ApiKey"]);
        return http;
    }

    /// <summary>The user's exchanges, oldest first.</summary>
    private static async Task<List<JsonElement>> ExchangesAsync(HttpClient api, string openId)
    {
        using var response = await api.GetAsync($"/api/admin/users/{Uri.EscapeDataString(openId)}/exchanges", Ct);
        if (!response.IsSuccessStatusCode)
        {
            return []; // the user's row comes with their first record
        }

        var page = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return [.. page.GetProperty("items").EnumerateArray().Reverse()];
    }

    // One message at a time, each recorded before the next: the transcript's order is the order they were sent in.
    private static async Task WaitForExchangesAsync(HttpClient api, string openId, int count)
    {
        var deadline = DateTime.UtcNow + Answered;
        while ((await ExchangesAsync(api, openId)).Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"fewer than {count} exchanges recorded for the user");
            await Task.Delay(500, Ct);
        }
    }

    private static async Task SendAsync(HttpClient sim, string path, object body)
    {
        using var response = await sim.PostAsJsonAsync(path, body, Ct);
        response.EnsureSuccessStatusCode();
    }
}
