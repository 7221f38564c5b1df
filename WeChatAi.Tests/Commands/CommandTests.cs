using System.Net;
using WeChatAi.Core.Queue;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Webhook;
using WeChatAi.Tests.Worker;

namespace WeChatAi.Tests.Commands;

/// <summary>
/// Text commands and menu CLICKs on the real API and worker processes, real Redis and PostgreSQL, with fakes of the
/// LLM and WeChat's API; the test plays WeChat's servers.
/// </summary>
public sealed class CommandTests(PostgresServer postgres)
{
    private const string Token = "command-test-token";
    private const string ResetText = "好的，我已清除我们之前的对话记忆。";

    [Fact]
    public async Task About_and_help_answer_at_once_from_text_and_menu_without_a_job_and_unknown_keys_get_nothing()
    {
        await using var app = await CommandApp.StartAsync(postgres);

        var about = await app.SendAsync(WeChatClient.Text("oAbout", 1, "关于"));
        Assert.Contains("回复由人工智能生成", about, StringComparison.Ordinal);
        Assert.Contains("DeepSeek-V3", about, StringComparison.Ordinal);
        Assert.Contains("180天", about, StringComparison.Ordinal);
        Assert.Equal(about, await app.SendAsync(WeChatClient.Text("oAbout", 2, " /ABOUT ")));
        Assert.Equal(about, await app.SendAsync(Click("oAbout", "about", 1714037100)));

        var help = await app.SendAsync(WeChatClient.Text("oAbout", 3, "帮助"));
        Assert.StartsWith("直接发送文字或语音提问即可。", help, StringComparison.Ordinal);
        Assert.Contains("关于（/about）：服务说明", help, StringComparison.Ordinal);
        Assert.Contains("新对话（/new）", help, StringComparison.Ordinal);
        Assert.Equal(help, await app.SendAsync(Click("oAbout", "help", 1714037101)));

        Assert.Equal("success", await app.SendAsync(Click("oAbout", "no_such_key", 1714037102)));
        Assert.Equal(0, await app.Harness.Db.JobCountAsync());
        Assert.Equal(0, app.Harness.Llm.Calls);
    }

    [Fact]
    public async Task The_new_conversation_button_clears_the_memory_through_the_worker_once_even_when_WeChat_retries()
    {
        await using var app = await CommandApp.StartAsync(postgres);
        Assert.Equal("success", await app.SendAsync(WeChatClient.Text("oNew", 1, "我叫小明"))); // WeChat:AckMode typing
        await app.Harness.WaitUntilAsync(() => app.Harness.WeChat.MessagesTo("oNew").Count == 1, "the first answer");

        Assert.Equal("success", await app.SendAsync(Click("oNew", "new_conversation", 1714037200)));
        Assert.Equal("success", await app.SendAsync(Click("oNew", "new_conversation", 1714037200))); // WeChat's retry
        await app.Harness.WaitUntilAsync(() => app.Harness.WeChat.MessagesTo("oNew").Count == 2, "the reset's confirmation");
        Assert.Equal(ResetText, app.Harness.WeChat.MessagesTo("oNew")[1]);

        await app.SendAsync(WeChatClient.Text("oNew", 2, "我叫什么"));
        await app.Harness.WaitUntilAsync(() => app.Harness.WeChat.MessagesTo("oNew").Count == 3, "the answer after the reset");

        Assert.Equal(2, app.Harness.Llm.Calls);
        var last = app.Harness.Llm.Requests.Last();
        Assert.DoesNotContain(last, m => m.Content.Contains("我叫小明", StringComparison.Ordinal));
        Assert.Equal(3, await app.Harness.Db.JobCountAsync());
        Assert.Equal(["答复：我叫小明", ResetText, "答复：我叫什么"], app.Harness.WeChat.MessagesTo("oNew"));
    }

    private static string Click(string openId, string key, long createTime) =>
        $"<xml><ToUserName><![CDATA[{WeChatClient.Account}]]></ToUserName><FromUserName><![CDATA[{openId}]]></FromUserName>" +
        $"<CreateTime>{createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[{key}]]></EventKey></xml>";

    private sealed class CommandApp : IAsyncDisposable
    {
        private readonly ServiceProcess _api;

        private CommandApp(WorkerHarness harness, ServiceProcess api)
        {
            Harness = harness;
            _api = api;
        }

        public WorkerHarness Harness { get; }

        public static async Task<CommandApp> StartAsync(PostgresServer postgres)
        {
            var harness = await WorkerHarness.StartAsync(postgres);
            await harness.StartWorkerAsync();
            var api = await ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>
            {
                ["ConnectionStrings__redis"] = harness.Redis.ConnectionString,
                ["ConnectionStrings__wechatdb"] = harness.Database,
                ["WeChat__Token"] = Token,
                ["WeChat__AppId"] = WorkerHarness.AppId,
                ["Compliance__ModelName"] = "DeepSeek-V3",
            });
            return new CommandApp(harness, api);
        }

        /// <summary>Posts a push as WeChat's servers do; returns the passive reply's text (or <c>success</c>).</summary>
        public async Task<string> SendAsync(string xml)
        {
            var (status, body) = await WeChatClient.SendAsync(new WeChatClient(_api.Client, Token).PostPlainAsync(xml));
            Assert.Equal(HttpStatusCode.OK, status);
            return WeChatClient.ReplyContent(body);
        }

        public async ValueTask DisposeAsync()
        {
            await _api.DisposeAsync();
            await Harness.DisposeAsync();
        }
    }
}
