using System.Net;
using WeChatAi.Api.Webhook;
using WeChatAi.Core.Queue;
using WeChatAi.Tests.Admin;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Webhook;
using WeChatAi.Tests.Worker;

namespace WeChatAi.Tests.Security;

/// <summary>
/// Issue 21, item 8: the API and the worker in Production (JSON logs, Information and above) go through an answer, an
/// LLM failure and its retry, a dead letter, a rate limit and a block; no line names an OpenID, a message's text or
/// a phone number, while the MsgId a line does name finds the user in the console's search.
/// </summary>
public sealed class LogPrivacyTests(PostgresServer postgres)
{
    private const string Token = "log-privacy-token";
    private const string AdminKey = "log-privacy-admin-key-0123456789";
    private const string Phone = "13812345678";

    [Fact]
    public async Task No_OpenID_text_or_phone_number_reaches_the_logs_and_the_logged_MsgId_finds_the_user()
    {
        string answered = "oPrivAnswered7Qx2", deadLettered = "oPrivDeadLetter9Kz", limited = "oPrivLimited4Wm8", blocked = "oPrivBlocked3Vn5";
        string question = $"请回电话{Phone}，我的秘密问题是紫色大象";
        await using var h = await WorkerHarness.StartAsync(postgres);
        var worker = await h.StartWorkerAsync(new Dictionary<string, string?> { ["Worker__MaxAttempts"] = "2" });
        await using var api = await ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = h.Redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = h.Database,
            ["WeChat__Token"] = Token,
            ["WeChat__AppId"] = WorkerHarness.AppId,
            ["WeChat__AckMode"] = "text",
            ["Admin__ApiKey"] = AdminKey,
            ["RateLimits__PerUserPerMinute"] = "1",
            ["RateLimits__PerUserBurst"] = "1",
            ["Logging__LogLevel__Default"] = "Information",
        });
        var weChat = new WeChatClient(api.Client, Token);

        // An answer, after the LLM failed once.
        h.Llm.Faults.Enqueue(500);
        Assert.Equal(HttpStatusCode.OK, (await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text(answered, 91_001, question)))).Status);
        await h.WaitUntilAsync(() => h.WeChat.MessagesTo(answered).Count >= 1, "the answer");

        // A dead letter: every push fails.
        for (int i = 0; i < 8; i++)
        {
            h.WeChat.SendFaults.Enqueue(-1);
        }

        await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text(deadLettered, 91_002, question)));
        await h.WaitUntilAsync(async () => await h.Db.DeadLetterCountAsync() >= 1, "the dead letter");
        h.WeChat.SendFaults.Clear();

        // A rate limit.
        await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text(limited, 91_003, question)));
        var (_, limitedReply) = await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text(limited, 91_004, question)));
        Assert.Equal(ReplyTexts.RateLimitedText, WeChatClient.ReplyContent(limitedReply));

        // A block, by an operator, then the blocked user's message.
        await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Event(blocked, "subscribe")));
        var headers = new Dictionary<string, string> { ["X-Admin-Key"] = AdminKey, ["X-Admin-Operator"] = "ops" };
        var (blockStatus, _) = await AdminApi.SendAsync(api.Client, HttpMethod.Post, $"/api/admin/users/{blocked}/block", headers, $"{{\"reason\":\"骚扰 {Phone}\"}}");
        Assert.Equal(HttpStatusCode.OK, blockStatus);
        await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text(blocked, 91_005, question)));

        await h.WaitUntilAsync(async () => (await h.ExchangesAsync()).Count >= 3, "the exchanges recorded");

        // The dead letter is logged by its MsgId, and that reference finds its user in the console.
        await h.WaitUntilAsync(() => worker.Output.Contains("msg 91002", StringComparison.Ordinal), "the dead letter's log line");
        foreach (var (msgId, openId) in new[] { (91_001, answered), (91_002, deadLettered) })
        {
            var (status, found) = await AdminApi.SendAsync(api.Client, HttpMethod.Get, $"/api/admin/users?q={Uri.EscapeDataString($"msg {msgId}")}", headers);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(openId, Assert.Single(found.GetProperty("items").EnumerateArray()).GetProperty("openId").GetString());
        }

        foreach (var (name, output) in new[] { ("api", api.Output), ("worker", worker.Output) })
        {
            foreach (var secret in new[] { answered, deadLettered, limited, blocked, Phone, "紫色大象", "秘密问题" })
            {
                var line = output.Split('\n').FirstOrDefault(l => l.Contains(secret, StringComparison.Ordinal));
                Assert.True(line is null, $"The {name}'s log contains '{secret}': {line}");
            }
        }
    }
}
