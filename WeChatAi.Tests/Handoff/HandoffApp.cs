using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using System.Net;
using System.Text.Json;
using WeChatAi.Tests.Admin;
using WeChatAi.Tests.Fakes;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Webhook;
using WeChatAi.Tests.Worker;

namespace WeChatAi.Tests.Handoff;

/// <summary>
/// A worker and API replicas as real processes sharing the harness's Redis, database, fake LLM and fake WeChat API,
/// and a fake WeCom group robot; the test plays WeChat's servers (the user) and the operators.
/// </summary>
internal sealed class HandoffApp : IAsyncDisposable
{
    public const string Token = "handoff-test-token";
    public const string AdminKey = "handoff-admin-key-0123456789";
    public const string StartText = "已为您转接人工客服，请稍候…";
    public const string WaitingText = "人工客服会尽快回复您，请稍候。";
    public const string EndText = "人工客服已结束，接下来由 AI 助手为您服务。";

    // Push mode with the typing indicator (the default): a question's passive reply is empty, the answer is pushed.
    public const string Success = "success";

    private readonly List<ServiceProcess> _replicas;

    private HandoffApp(WorkerHarness harness, FakeRobot robot, List<ServiceProcess> replicas)
    {
        Harness = harness;
        Robot = robot;
        _replicas = replicas;
    }

    public WorkerHarness Harness { get; }

    public FakeRobot Robot { get; }

    public ServiceProcess A => _replicas[0];

    public ServiceProcess B => _replicas[1];

    public ServiceProcess C => _replicas[2];

    /// <summary>Replica settings: one dictionary per API process (the worker gets the first one's <c>Handoff__*</c> too).</summary>
    public static async Task<HandoffApp> StartAsync(PostgresServer postgres, params Dictionary<string, string?>[] replicas)
    {
        var harness = await WorkerHarness.StartAsync(postgres);
        var robot = await FakeRobot.StartAsync();
        var handoff = new Dictionary<string, string?>
        {
            ["Handoff__NotifyWebhookUrl"] = new Uri(robot.BaseAddress, "/cgi-bin/webhook/send?key=test").ToString(),
            ["Handoff__NotifyAllowPrivateAddresses"] = "true",
            ["Handoff__SweepSeconds"] = "1",
        };
        foreach (var (name, value) in replicas.FirstOrDefault() ?? [])
        {
            if (name.StartsWith("Handoff__", StringComparison.Ordinal))
            {
                handoff[name] = value;
            }
        }

        await harness.StartWorkerAsync(handoff);
        var processes = await Task.WhenAll((replicas.Length == 0 ? [new Dictionary<string, string?>(), new Dictionary<string, string?>()] : replicas).Select(settings =>
        {
            var environment = new Dictionary<string, string?>
            {
                ["ConnectionStrings__redis"] = harness.Redis.ConnectionString,
                ["ConnectionStrings__wechatdb"] = harness.Database,
                ["WeChat__Token"] = Token,
                ["WeChat__AppId"] = WorkerHarness.AppId,
                ["WeChat__AppSecret"] = "test-secret",
                ["WeChat__ApiBaseUrl"] = harness.WeChat.BaseAddress.ToString(),
                ["Admin__ApiKey"] = AdminKey,
            };
            foreach (var (name, value) in settings)
            {
                environment[name] = value;
            }

            return ServiceProcess.StartAsync("WeChatAi.Api", environment);
        }));
        return new HandoffApp(harness, robot, [.. processes]);
    }

    /// <summary>A text message as WeChat pushes it (plaintext mode) to <paramref name="replica"/>; the passive reply's text.</summary>
    public static async Task<string> SendAsync(ServiceProcess replica, string openId, long msgId, string content) =>
        WeChatClient.ReplyContent(await PostAsync(replica, WeChatClient.Text(openId, msgId, content)));

    /// <summary>A menu CLICK with <paramref name="key"/>; the passive reply's text.</summary>
    public static async Task<string> ClickAsync(ServiceProcess replica, string openId, string key, long createTime) =>
        WeChatClient.ReplyContent(await PostAsync(replica,
            $"<xml><ToUserName><![CDATA[{WeChatClient.Account}]]></ToUserName><FromUserName><![CDATA[{openId}]]></FromUserName>" +
            $"<CreateTime>{createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[{key}]]></EventKey></xml>"));

    public static async Task<string> PostAsync(ServiceProcess replica, string xml)
    {
        var (status, body) = await WeChatClient.SendAsync(new WeChatClient(replica.Client, Token).PostPlainAsync(xml));
        Assert.Equal(HttpStatusCode.OK, status);
        return body;
    }

    /// <summary>An operator's request (<paramref name="operatorName"/> in <c>X-Admin-Operator</c>) to <paramref name="replica"/>.</summary>
    public static Task<(HttpStatusCode Status, JsonElement Body)> AdminAsync(
        ServiceProcess replica, HttpMethod method, string path, string? json = null, string operatorName = "张三") =>
        AdminApi.SendWithinRateAsync(replica.Client, method, path, new Dictionary<string, string>
        {
            ["X-Admin-Key"] = AdminKey,
            ["X-Admin-Operator"] = Uri.EscapeDataString(operatorName),
        }, json);

    public static string Reply(string text, string key) => JsonSerializer.Serialize(new { text, idempotencyKey = key });

    /// <summary>The customer-service messages pushed to <paramref name="openId"/> with exactly <paramref name="text"/>.</summary>
    public int PushesOf(string openId, string text) => Harness.WeChat.MessagesTo(openId).Count(m => m == text);

    /// <summary>The LLM requests whose question (last user turn) was <paramref name="question"/>.</summary>
    public int LlmCallsFor(string question) => Harness.Llm.Requests.Count(r => r.LastOrDefault(m => m.Role == "user").Content == question);

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }

        await Robot.DisposeAsync();
        await Harness.DisposeAsync();
    }
}

/// <summary>A WeCom group robot: records the bodies it is sent.</summary>
internal sealed class FakeRobot : FakeHttpServer
{
    public ConcurrentQueue<string> Bodies { get; } = new();

    public static async Task<FakeRobot> StartAsync()
    {
        var robot = new FakeRobot();
        await robot.StartAsyncCore();
        return robot;
    }

    protected override void Map(WebApplication app) =>
        app.MapPost("/cgi-bin/webhook/send", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            Bodies.Enqueue(await reader.ReadToEndAsync());
            return Results.Json(new { errcode = 0, errmsg = "ok" });
        });
}
