using WeChatAi.Core.WeChat;

namespace WeChatAi.Tests.Simulator;

/// <summary>The simulator's <c>/cgi-bin/menu/create</c> keeps WeChat's rules, and the chat page's menu sends CLICK events.</summary>
public sealed class SimulatorMenuTests
{
    [Fact]
    public async Task Menu_create_checks_the_token_and_WeChats_rules_and_a_tap_on_a_published_button_sends_its_CLICK()
    {
        await using var webhook = await FakeWebhook.StartAsync();
        await using var simulator = await SimulatorProcess.StartAsync(webhook.Url);
        var token = await simulator.StableTokenAsync();
        var menu = new
        {
            button = new object[]
            {
                new { type = "click", name = "新对话", key = "new_conversation" },
                new { name = "更多", sub_button = new object[] { new { type = "click", name = "帮助", key = "help" }, new { type = "view", name = "官网", url = "https://example.com" } } },
            },
        };

        Assert.Equal(40001, (await simulator.PostJsonAsync("/cgi-bin/menu/create?access_token=wrong", menu)).GetProperty("errcode").GetInt32());
        var tooLong = await simulator.PostJsonAsync($"/cgi-bin/menu/create?access_token={token}", new { button = new[] { new { type = "click", name = "一二三四五六", key = "k" } } });
        Assert.Equal(40018, tooLong.GetProperty("errcode").GetInt32());
        Assert.Equal(0, (await simulator.GetJsonAsync("/cgi-bin/get_current_selfmenu_info?access_token=" + token)).GetProperty("is_menu_open").GetInt32());

        Assert.Equal(0, (await simulator.PostJsonAsync($"/cgi-bin/menu/create?access_token={token}", menu)).GetProperty("errcode").GetInt32());

        var current = await simulator.GetJsonAsync("/cgi-bin/get_current_selfmenu_info?access_token=" + token);
        Assert.Equal(1, current.GetProperty("is_menu_open").GetInt32());
        var group = current.GetProperty("selfmenu_info").GetProperty("button")[1];
        Assert.Equal(["帮助", "官网"], group.GetProperty("sub_button").GetProperty("list").EnumerateArray().Select(b => b.GetProperty("name").GetString()));
        Assert.Equal(2, (await simulator.GetJsonAsync("/sim/menu")).GetProperty("button").GetArrayLength());

        var user = await simulator.PostJsonAsync("/sim/users", new { name = "menu" });
        var openId = user.GetProperty("openId").GetString()!;
        Assert.True((await simulator.PostJsonAsync($"/sim/users/{openId}/click", new { key = "no_such_key", safeMode = false })).TryGetProperty("error", out _));
        Assert.Empty(webhook.Requests);

        var delivery = await simulator.PostJsonAsync($"/sim/users/{openId}/click", new { key = "help", safeMode = false });
        Assert.True(delivery.GetProperty("delivered").GetBoolean());
        var click = Assert.IsType<ClickEvent>(WeChatInbound.From(WeChatXml.Parse(Assert.Single(webhook.Requests).Body)));
        Assert.Equal((openId, "help"), (click.FromUserName, click.EventKey));
    }
}
