using System.Globalization;
using System.Net;
using WeChatAi.Tests.Admin;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Webhook;
using WeChatAi.Tests.Worker;

namespace WeChatAi.Tests.Settings;

/// <summary>PostgreSQL away when the services start: they start anyway, with the configured values, in bounded time.</summary>
public sealed class SettingsOutageTests(PostgresServer postgres)
{
    [Fact]
    public async Task Without_postgresql_at_startup_the_api_and_the_worker_start_with_the_configured_values()
    {
        await using var h = await WorkerHarness.StartAsync(postgres);
        var nowhere = string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={FreePort.Next()};Username=nobody;Password=nobody;Database=nowhere;Timeout=2");
        var environment = LiveSettingsTests.ApiEnvironment(h.Redis.ConnectionString, nowhere);
        environment["WeChat__AckText"] = "配置的确认文字";
        await using var api = await ServiceProcess.StartAsync("WeChatAi.Api", environment);
        await h.StartWorkerAsync(new Dictionary<string, string?> { ["ConnectionStrings__wechatdb"] = nowhere, ["Compliance__AiLabel"] = "（配置的标签）" });

        var weChat = new WeChatClient(api.Client, LiveSettingsTests.Token);
        var (status, body) = await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text("o-outage", 1, "你好")));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("配置的确认文字", WeChatClient.ReplyContent(body));
        Assert.Contains("Could not refresh the account settings", api.Output, StringComparison.Ordinal);

        // The worker answers (its records wait in Redis) with the configured label.
        await h.WaitUntilAsync(() => h.WeChat.MessagesTo("o-outage").Count == 1, "the answer");
        Assert.Equal("答复：你好\n（配置的标签）", h.WeChat.MessagesTo("o-outage")[0]);

        // The settings cannot be read or changed meanwhile, and say why.
        var (settings, problem) = await AdminApi.SendAsync(api.Client, HttpMethod.Get, "/api/admin/settings", new Dictionary<string, string> { ["X-Admin-Key"] = AdminApi.Key });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, settings);
        Assert.Contains("PostgreSQL", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
