using System.Net;
using WeChatAi.Core.WeChat;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Webhook;

/// <summary>How the API behaves with other configurations: published vectors, missing secrets, bad settings, /api limits.</summary>
public sealed class WebhookConfigurationTests(PostgresServer postgres)
{
    [Fact]
    public async Task Verification_accepts_the_published_signature_vector_and_returns_echostr()
    {
        // The vector's timestamp is from 2024, so the freshness check has to be off (0) for it.
        await using var redis = await RedisServer.StartAsync();
        await using var api = await StartApiAsync(redis, new() { ["WeChat__Token"] = "AAAAA", ["WeChat__AppId"] = "wxvector", ["WeChat__TimestampToleranceSeconds"] = "0" });

        using var response = await api.Client.GetAsync(new Uri(
            "/wechat?signature=899cf89e464efb63f54ddac96b0a0a235f53aa78&timestamp=1714037059&nonce=486452656&echostr=5838479218127813673", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("5838479218127813673", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        // The same API has no EncodingAESKey, so it must refuse safe mode and say why.
        using var crypto = new WeChatMessageCrypto("wxvector", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG");
        var client = new WeChatClient(api.Client, "AAAAA");
        var (status, body) = await WeChatClient.SendAsync(client.PostEncryptedAsync(crypto, WeChatClient.Text("o", 1, "hi")));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("WeChat:EncodingAESKey is not configured", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_token_the_API_starts_the_webhook_answers_503_and_api_routes_are_limited_per_IP()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var api = await StartApiAsync(redis, []);

        using var webhook = await api.Client.PostAsync(new Uri("/wechat?signature=s&timestamp=1&nonce=n", UriKind.Relative), new StringContent("<xml/>"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, webhook.StatusCode);
        Assert.Contains("WeChat:Token is not configured", await webhook.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Single(api.Output.Split('\n'), line => line.Contains("webhook is off", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, await api.GetStatusAsync("/api/ping"));

        // Burst 20, refill 10/s: 60 requests at once must see 429s.
        var statuses = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => api.GetStatusAsync("/api/ping")));
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Contains(HttpStatusCode.OK, statuses);

        // The webhook is not behind the per-IP limit: WeChat's servers are few IPs pushing for everybody.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await api.GetStatusAsync("/wechat"));
    }

    [Theory]
    [InlineData("WeChat__EncodingAESKey", "too-short", "WeChat:EncodingAESKey")]
    [InlineData("RateLimits__PerUserBurst", "0", "RateLimits:PerUserBurst")]
    [InlineData("WeChat__TimestampToleranceSeconds", "-1", "WeChat:TimestampToleranceSeconds")]
    [InlineData("WeChat__AckMode", "sometimes", "WeChat:AckMode")]
    [InlineData("Compliance__RetentionDays", "30", "Compliance:RetentionDays")]
    [InlineData("Compliance__UserAgreementUrl", "not a url", "Compliance:UserAgreementUrl")]
    public async Task A_bad_setting_stops_startup_naming_it(string variable, string value, string setting)
    {
        await using var redis = await RedisServer.StartAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartApiAsync(redis, new()
        {
            ["WeChat__Token"] = "t",
            ["WeChat__AppId"] = "wxapp",
            [variable] = value,
        }));

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_follow_greeting_names_the_filed_model_and_with_typing_a_question_gets_no_passive_text()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var api = await StartApiAsync(redis, new()
        {
            ["WeChat__Token"] = "t",
            ["WeChat__AppId"] = "wxapp",
            ["WeChat__WelcomeText"] = "欢迎！",
            ["Compliance__ModelName"] = "DeepSeek-V3",
            ["Compliance__FilingNumber"] = "Beijing-DeepSeek-202404280011",
            ["Compliance__UserAgreementUrl"] = "https://example.com/agreement",
        });
        var client = new WeChatClient(api.Client, "t");

        var (_, welcome) = await WeChatClient.SendAsync(client.PostPlainAsync(WeChatClient.Event("o-new", "subscribe")));
        Assert.Equal(
            "欢迎！\n本服务由人工智能模型DeepSeek-V3（备案号：Beijing-DeepSeek-202404280011）提供，回复由人工智能生成。\n用户协议：https://example.com/agreement",
            WeChatClient.ReplyContent(welcome));

        // WeChat:AckMode defaults to typing: "success" (WeChat shows nothing), the worker shows "对方正在输入".
        var (status, reply) = await WeChatClient.SendAsync(client.PostPlainAsync(WeChatClient.Text("o-new", 1, "你好")));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(WeChatReply.Success, reply);
    }

    private async Task<ServiceProcess> StartApiAsync(RedisServer redis, Dictionary<string, string?> settings)
    {
        settings["ConnectionStrings__redis"] = redis.ConnectionString;
        settings["ConnectionStrings__wechatdb"] = await postgres.CreateMigratedDatabaseAsync();
        return await ServiceProcess.StartAsync("WeChatAi.Api", settings);
    }
}
