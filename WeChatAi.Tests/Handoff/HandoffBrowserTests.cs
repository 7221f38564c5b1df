using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using WeChatAi.Core.Handoff;
using WeChatAi.Core.WeChat;
using WeChatAi.Tests.Console;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Simulator;
using static Microsoft.Playwright.Assertions;

namespace WeChatAi.Tests.Handoff;

/// <summary>
/// Handoff to a person end to end, the way a user and two operators do it: the simulator's chat page and two consoles
/// in Chromium against the whole AppHost (two API replicas, the worker, the simulator standing in for WeChat and the LLM).
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed partial class HandoffBrowserTests(AppHostFixture fixture)
{
    private static readonly BrowserNewPageOptions Window = new() { ViewportSize = new() { Width = 1440, Height = 900 }, Locale = "zh-CN" };
    private static readonly LocatorAssertionsToContainTextOptions Answered = new() { Timeout = 60_000 };

    [Fact]
    public async Task A_user_asks_for_a_person_an_operator_takes_over_and_replies_another_sees_who_has_it_and_the_ai_answers_after_the_hand_back()
    {
        var handoff = new HandoffOptions();
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var simulator = fixture.App.GetEndpoint("simulator", "http");
        await using var chat = await ChatBrowser.OpenAsync(simulator, "人工用户" + suffix, Window);
        var user = chat.Page;
        var openId = await chat.OpenIdAsync();
        await user.ClickAsync("#follow");
        await Expect(user.Locator(".bubble.reply").Last).ToHaveTextAsync(new WeChatOptions().WelcomeText);
        var before = "人工之前的问题 " + suffix;
        await chat.SendAsync(before);
        await Expect(user.Locator(".bubble.push").Last).ToContainTextAsync("【模拟AI】", Answered);

        // Operator A on the Inbox, the chime turned on with a click (browsers play no sound before one).
        await using var a = await ConsoleBrowser.SignedInAsync(fixture);
        var console = a.Page;
        await a.GoToAsync("inbox");
        await console.ClickAsync("#inbox-sound");
        var nav = console.Locator("#inbox-nav");
        await Expect(nav).ToHaveAttributeAsync("data-loaded", "true");
        var waitingBefore = int.Parse((await nav.GetAttributeAsync("data-waiting"))!, CultureInfo.InvariantCulture);

        // 转人工: the start text at once, and the session in the Inbox with a badge and the chime; no question for the LLM.
        await chat.SendAsync("转人工");
        await Expect(user.Locator(".bubble.reply").Last).ToHaveTextAsync(handoff.StartText);
        var llmCalls = await LlmCallsAsync();
        var row = console.Locator("tr.inbox-row", new() { HasText = openId });
        await Expect(row).ToBeVisibleAsync();
        await Expect(row.Locator(".inbox-assignee")).ToHaveTextAsync("未分配");
        await Expect(nav).ToHaveAttributeAsync("data-waiting", (waitingBefore + 1).ToString(CultureInfo.InvariantCulture));
        await Expect(console.Locator("#inbox-badge")).ToHaveTextAsync((waitingBefore + 1).ToString(CultureInfo.InvariantCulture));
        // Headless Chromium may or may not run audio: either way the chime was tried and nothing failed.
        await Expect(nav).ToHaveAttributeAsync("data-sound", SoundTried());
        var waited = await row.Locator(".inbox-waiting").TextContentAsync();
        await Expect(row.Locator(".inbox-waiting")).Not.ToHaveTextAsync(waited!);
        await a.ScreenshotAsync("inbox");

        // A takes the user over and replies; a double click sends once, and the user reads it.
        await row.ClickAsync();
        await Expect(console.Locator("#handoff-state")).ToContainTextAsync("人工处理中");
        await Expect(console.Locator(".handoff-line")).ToContainTextAsync("用户请求人工");
        // The whole conversation: the AI's turn before the session, then the session's opening.
        await Expect(console.Locator("#handoff-transcript .exchange-question", new() { HasText = before })).ToBeVisibleAsync();
        Assert.True(await console.Locator("#handoff-transcript > *").EvaluateAllAsync<bool>(
            "lines => lines.findIndex(l => l.matches('.turn[data-exchange]')) < lines.findIndex(l => l.matches('.handoff-line'))"));
        await console.ClickAsync("#take-over");
        await Expect(console.Locator("#handoff-assignee")).ToHaveTextAsync("admin");
        await Expect(console.Locator("#reply-window")).ToHaveAttributeAsync("data-open", "true");
        await Expect(console.Locator("#reply-left")).ToHaveTextAsync(new WeChatOptions().MessageBudget.ToString(CultureInfo.InvariantCulture));
        var reply = "您好，我是客服小李 " + suffix;
        await console.Locator("#reply-text").FillAsync(reply);
        await console.DblClickAsync("#reply-send");
        var replies = user.Locator(".bubble.push", new() { HasText = reply });
        await Expect(replies).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Expect(console.Locator(".operator-reply", new() { HasText = reply })).ToHaveAttributeAsync("data-delivery", "sent");
        await Expect(console.Locator("#reply-text")).ToHaveValueAsync(string.Empty);
        await a.ScreenshotAsync("handoff");

        // Operator B (the second console user) sees A as the assignee; taking over asks to force it, and cancelling keeps A.
        await using var b = await ConsoleBrowser.OpenAsync(fixture);
        await b.SignInAsync(AppHostFixture.SecondOperator, AppHostFixture.SecondPassword);
        var other = b.Page;
        await b.GoToAsync("inbox");
        var rowForB = other.Locator("tr.inbox-row", new() { HasText = openId });
        await Expect(rowForB.Locator(".inbox-assignee")).ToHaveTextAsync("admin");
        await rowForB.ClickAsync();
        await Expect(other.Locator("#handoff-assignee")).ToHaveTextAsync("admin");
        await Expect(other.Locator("#handoff-other")).ToContainTextAsync("admin");
        await Expect(other.Locator("#reply-box")).ToHaveCountAsync(0);
        await other.ClickAsync("#take-over");
        var force = other.Locator(".mud-dialog", new() { HasText = "强制接管" });
        await Expect(force).ToContainTextAsync("admin 正在处理这位用户");
        await force.GetByRole(AriaRole.Button, new() { Name = "取消 Cancel" }).ClickAsync();
        await Expect(other.Locator("#handoff-assignee")).ToHaveTextAsync("admin");

        // The user writes again: held for the operators (the waiting text, no AI answer), unread in B's Inbox, shown to A.
        var held = "订单还没到 " + suffix;
        await chat.SendAsync(held);
        await Expect(user.Locator(".bubble.reply").Last).ToHaveTextAsync(handoff.WaitingText);
        await Expect(console.Locator(".handoff-user", new() { HasText = held })).ToBeVisibleAsync();
        await b.GoToAsync("inbox");
        await Expect(rowForB.Locator(".inbox-unread")).ToHaveTextAsync("1");
        await Expect(rowForB.Locator(".inbox-preview")).ToHaveTextAsync(held);

        // WeChat's quota: the user's message allows MessageBudget pushes; one more is refused plainly, its text kept,
        // and sent after the user writes again.
        for (var i = 1; i <= new WeChatOptions().MessageBudget; i++)
        {
            var text = $"第 {i} 条 {suffix}";
            await console.Locator("#reply-text").FillAsync(text);
            await console.ClickAsync("#reply-send");
            await Expect(console.Locator(".operator-reply", new() { HasText = text })).ToHaveAttributeAsync("data-delivery", "sent");
        }

        await Expect(console.Locator("#reply-left")).ToHaveTextAsync("0");
        var refused = "超出条数的回复 " + suffix;
        await console.Locator("#reply-text").FillAsync(refused);
        await console.ClickAsync("#reply-send");
        await Expect(console.Locator("#reply-error")).ToContainTextAsync("45047");
        await Expect(console.Locator("#reply-text")).ToHaveValueAsync(refused);
        await chat.SendAsync("好的 " + suffix);
        await Expect(console.Locator("#reply-left")).ToHaveTextAsync(new WeChatOptions().MessageBudget.ToString(CultureInfo.InvariantCulture));
        await console.ClickAsync("#reply-send");
        await Expect(user.Locator(".bubble.push", new() { HasText = refused })).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Expect(user.Locator(".bubble.push", new() { HasText = "【模拟AI】" })).ToHaveCountAsync(1);
        Assert.Equal(llmCalls, await LlmCallsAsync());

        // A hands back: the end text reaches the user, and the next question gets the AI's answer.
        await console.ClickAsync("#hand-back");
        await console.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "结束 Hand back" }).ClickAsync();
        await Expect(user.Locator(".bubble.push").Last).ToHaveTextAsync(handoff.EndText, new() { Timeout = 30_000 });
        await Expect(console.Locator("#handoff-state")).ToContainTextAsync("AI 回答中");
        await Expect(rowForB).ToHaveCountAsync(0);
        var question = "人工之后的问题 " + suffix;
        await chat.SendAsync(question);
        var answer = user.Locator(".bubble.push", new() { HasText = "【模拟AI】" });
        await Expect(answer.Last).ToContainTextAsync(question, Answered);
        await Expect(answer).ToHaveCountAsync(2);
        Assert.True(await LlmCallsAsync() > llmCalls);

        // From the user's conversation, B takes the user over (no session now: one opens) and lands in the session view.
        await b.GoToAsync("conversations/" + Uri.EscapeDataString(openId));
        await other.ClickAsync("#take-over");
        await Expect(other).ToHaveURLAsync(new Regex("/inbox/"));
        await Expect(other.Locator("#handoff-assignee")).ToHaveTextAsync(AppHostFixture.SecondOperator);
        await Expect(other.Locator(".handoff-line").Last).ToContainTextAsync(AppHostFixture.SecondOperator + " 接管了对话");
        await Expect(other.Locator("#handoff-transcript .exchange-question", new() { HasText = question })).ToBeVisibleAsync();
        await other.ClickAsync("#hand-back");
        await other.Locator(".mud-dialog").GetByRole(AriaRole.Button, new() { Name = "结束 Hand back" }).ClickAsync();
        await Expect(other.Locator("#handoff-state")).ToContainTextAsync("AI 回答中");

        // The texts the user saw are the console's live settings: the handoff group on the settings page.
        await b.GoToAsync("settings");
        await other.ClickAsync("text=文案与合规 Texts & compliance");
        var group = other.GetByText("人工客服 Handoff to a person");
        await group.ScrollIntoViewIfNeededAsync();
        await Expect(group).ToBeVisibleAsync();
        await b.ScreenshotAsync("settings-texts");
    }

    private async Task<long> LlmCallsAsync()
    {
        using var http = new HttpClient { BaseAddress = fixture.App.GetEndpoint("simulator", "http") };
        var status = await http.GetFromJsonAsync<JsonElement>("/sim/status", TestContext.Current.CancellationToken);
        return status.GetProperty("llm").GetProperty("calls").GetInt64();
    }

    [GeneratedRegex("^(played|blocked)$")]
    private static partial Regex SoundTried();
}
