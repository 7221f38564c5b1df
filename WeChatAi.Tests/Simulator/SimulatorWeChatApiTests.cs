using System.Net.Http.Json;
using System.Text.Json;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Simulator;

/// <summary>The simulator's stand-in for WeChat's API enforces WeChat's rules, so the worker is tested against them.</summary>
public sealed class SimulatorWeChatApiTests
{
    private static Uri NoWebhook => new($"http://127.0.0.1:{FreePort.Next()}/wechat");

    [Fact]
    public async Task Stable_token_checks_credentials_keeps_the_token_until_forced_and_a_forced_refresh_invalidates_the_old_one()
    {
        await using var simulator = await SimulatorProcess.StartAsync(NoWebhook);

        var wrongSecret = await simulator.PostJsonAsync("/cgi-bin/stable_token",
            new { grant_type = "client_credential", appid = SimulatorProcess.AppId, secret = "wrong", force_refresh = false });
        Assert.Equal(40125, wrongSecret.GetProperty("errcode").GetInt32());

        var first = await simulator.StableTokenAsync();
        Assert.Equal(first, await simulator.StableTokenAsync());
        var forced = await simulator.StableTokenAsync(forceRefresh: true);
        Assert.NotEqual(first, forced);

        var openId = await simulator.UserWritesAsync("hello");
        Assert.Equal(40001, await simulator.SendCustomAsync(first, openId, "answer"));
        Assert.Equal(0, await simulator.SendCustomAsync(forced, openId, "answer"));
    }

    [Fact]
    public async Task Tokens_expire_after_their_lifetime()
    {
        await using var simulator = await SimulatorProcess.StartAsync(NoWebhook, tokenLifetimeSeconds: 5);
        var openId = await simulator.UserWritesAsync("hello");
        var token = await simulator.StableTokenAsync();
        Assert.Equal(0, await simulator.SendCustomAsync(token, openId, "one"));

        await Task.Delay(TimeSpan.FromSeconds(5.5), TestContext.Current.CancellationToken);

        Assert.Equal(40001, await simulator.SendCustomAsync(token, openId, "two"));
        Assert.NotEqual(token, await simulator.StableTokenAsync());
    }

    [Fact]
    public async Task Typing_needs_a_recent_user_message_is_not_repeated_while_shown_and_a_message_ends_it()
    {
        await using var simulator = await SimulatorProcess.StartAsync(NoWebhook);
        var token = await simulator.StableTokenAsync();
        var silent = (await simulator.PostJsonAsync("/sim/users", new { name = "silent" })).GetProperty("openId").GetString()!;
        Assert.Equal(45080, await TypingAsync(simulator, token, silent));

        var openId = await simulator.UserWritesAsync("hello");
        Assert.Equal(0, await TypingAsync(simulator, token, openId));
        Assert.Equal(45081, await TypingAsync(simulator, token, openId));
        Assert.Equal(0, await simulator.SendCustomAsync(token, openId, "answer"));
        Assert.Equal(0, await TypingAsync(simulator, token, openId));
        Assert.Equal(0, await TypingAsync(simulator, token, openId, "CancelTyping"));
        Assert.Equal(0, await TypingAsync(simulator, token, openId));
        Assert.Equal(40001, await TypingAsync(simulator, "stale", openId));
    }

    private static async Task<int> TypingAsync(SimulatorProcess simulator, string token, string openId, string command = "Typing") =>
        (await simulator.PostJsonAsync($"/cgi-bin/message/custom/typing?access_token={token}", new { touser = openId, command }))
            .GetProperty("errcode").GetInt32();

    [Fact]
    public async Task Customer_service_messages_follow_the_five_per_user_message_budget_and_the_size_limit()
    {
        await using var simulator = await SimulatorProcess.StartAsync(NoWebhook);
        var token = await simulator.StableTokenAsync();
        var user = await simulator.PostJsonAsync("/sim/users", new { name = "silent" });

        Assert.Equal(45015, await simulator.SendCustomAsync(token, user.GetProperty("openId").GetString()!, "never wrote"));

        var openId = await simulator.UserWritesAsync("hello");
        Assert.Equal(45002, await simulator.SendCustomAsync(token, openId, new string('字', 683)));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(0, await simulator.SendCustomAsync(token, openId, $"part {i}"));
        }

        Assert.Equal(45047, await simulator.SendCustomAsync(token, openId, "sixth"));

        await simulator.PostJsonAsync($"/sim/users/{openId}/messages", new { text = "again", safeMode = false });
        Assert.Equal(0, await simulator.SendCustomAsync(token, openId, "after the next message"));
    }

    [Fact]
    public async Task The_classic_token_api_is_refused_and_counted()
    {
        await using var simulator = await SimulatorProcess.StartAsync(NoWebhook);

        var response = await simulator.Client.GetFromJsonAsync<JsonElement>(
            new Uri($"/cgi-bin/token?grant_type=client_credential&appid={SimulatorProcess.AppId}&secret={SimulatorProcess.AppSecret}", UriKind.Relative),
            TestContext.Current.CancellationToken);

        Assert.NotEqual(0, response.GetProperty("errcode").GetInt32());
        Assert.False(response.TryGetProperty("access_token", out _));
        var status = await simulator.Client.GetFromJsonAsync<JsonElement>(new Uri("/sim/status", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(1, status.GetProperty("tokens").GetProperty("classicTokenCalls").GetInt32());
    }
}
