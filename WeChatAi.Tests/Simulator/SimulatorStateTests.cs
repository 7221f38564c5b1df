namespace WeChatAi.Tests.Simulator;

/// <summary>With <c>Simulator:DataDirectory</c> (the AppHost's local data folder) the simulator's users and published menu survive a restart.</summary>
public sealed class SimulatorStateTests
{
    [Fact]
    public async Task Users_their_following_and_the_published_menu_are_there_again_after_a_restart()
    {
        var data = Directory.CreateTempSubdirectory("wechatai-simstate-").FullName;
        try
        {
            await using var webhook = await FakeWebhook.StartAsync();
            var state = new Dictionary<string, string?> { ["Simulator__DataDirectory"] = data };
            string openId;
            await using (var first = await SimulatorProcess.StartAsync(webhook.Url, extra: state))
            {
                openId = (await first.PostJsonAsync("/sim/users", new { name = "昨天的用户" })).GetProperty("openId").GetString()!;
                await first.PostJsonAsync($"/sim/users/{openId}/follow?safeMode=false", new { });
                var token = await first.StableTokenAsync();
                var menu = new { button = new object[] { new { type = "click", name = "新对话", key = "new_conversation" } } };
                Assert.Equal(0, (await first.PostJsonAsync($"/cgi-bin/menu/create?access_token={token}", menu)).GetProperty("errcode").GetInt32());
                Assert.Equal(0, await first.StopAsync());
            }

            await using var second = await SimulatorProcess.StartAsync(webhook.Url, extra: state);
            var user = Assert.Single((await second.GetJsonAsync("/sim/users")).EnumerateArray());
            Assert.Equal((openId, "昨天的用户", true), (user.GetProperty("openId").GetString(), user.GetProperty("name").GetString(), user.GetProperty("following").GetBoolean()));
            Assert.Equal("新对话", (await second.GetJsonAsync("/sim/menu")).GetProperty("button")[0].GetProperty("name").GetString());
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Without_a_data_directory_a_restarted_simulator_starts_empty()
    {
        await using var webhook = await FakeWebhook.StartAsync();
        await using (var first = await SimulatorProcess.StartAsync(webhook.Url))
        {
            await first.PostJsonAsync("/sim/users", new { name = "forgotten" });
        }

        await using var second = await SimulatorProcess.StartAsync(webhook.Url);
        Assert.Empty((await second.GetJsonAsync("/sim/users")).EnumerateArray());
        Assert.Empty((await second.GetJsonAsync("/sim/menu")).GetProperty("button").EnumerateArray());
    }
}
