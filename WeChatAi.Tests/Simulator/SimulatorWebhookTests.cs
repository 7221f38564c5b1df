using System.Net.Http.Json;
using System.Text.Json;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Tests.Simulator;

/// <summary>The simulator delivers to the webhook as WeChat does: signed, encrypted in safe mode, 5 s per try, 3 tries.</summary>
public sealed class SimulatorWebhookTests
{
    [Fact]
    public async Task A_slow_webhook_gets_the_same_signed_encrypted_message_again_after_five_seconds()
    {
        await using var webhook = await FakeWebhook.StartAsync();
        using var crypto = new WeChatMessageCrypto(SimulatorProcess.AppId, SimulatorProcess.EncodingAesKey);
        webhook.Respond = (attempt, _) => attempt == 1
            ? (TimeSpan.FromSeconds(7), "success")
            : (TimeSpan.Zero, crypto.BuildEncryptedReply(WeChatReply.Text("user", "gh", 1, "收到"), SimulatorProcess.Token, "1714037059", "42"));
        await using var simulator = await SimulatorProcess.StartAsync(webhook.Url);

        var user = await simulator.PostJsonAsync("/sim/users", new { name = "slow" });
        var openId = user.GetProperty("openId").GetString()!;
        var delivery = await simulator.PostJsonAsync($"/sim/users/{openId}/messages", new { text = "你好", safeMode = true });

        Assert.True(delivery.GetProperty("delivered").GetBoolean());
        Assert.Equal(2, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal("收到", delivery.GetProperty("reply").GetString());
        var requests = webhook.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        var msgIds = requests.Select(request =>
        {
            var query = request.Query;
            Assert.Equal("aes", query["encrypt_type"]);
            Assert.True(WeChatSignature.IsValid(query["signature"], SimulatorProcess.Token, query["timestamp"]!, query["nonce"]!));
            var encrypt = WeChatXml.Parse(request.Body).GetEncrypt();
            Assert.True(WeChatSignature.IsValid(query["msg_signature"], SimulatorProcess.Token, query["timestamp"]!, query["nonce"]!, encrypt));
            var message = Assert.IsType<TextMessage>(WeChatInbound.From(WeChatXml.Parse(crypto.Decrypt(encrypt))));
            Assert.Equal(openId, message.FromUserName);
            Assert.Equal("你好", message.Content);
            return message.MsgId;
        }).ToArray();
        Assert.Equal(msgIds[0], msgIds[1]);
    }

    [Fact]
    public async Task A_webhook_that_keeps_failing_is_tried_three_times_and_reported()
    {
        await using var webhook = await FakeWebhook.StartAsync();
        webhook.Respond = (_, _) => (TimeSpan.FromSeconds(6), "success");
        await using var simulator = await SimulatorProcess.StartAsync(webhook.Url);

        var user = await simulator.PostJsonAsync("/sim/users", new { name = "down" });
        var openId = user.GetProperty("openId").GetString()!;
        var delivery = await simulator.PostJsonAsync($"/sim/users/{openId}/messages", new { text = "在吗", safeMode = false });

        Assert.False(delivery.GetProperty("delivered").GetBoolean());
        Assert.Equal(3, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(3, webhook.Requests.Count);
        Assert.All(webhook.Requests, request => Assert.False(request.Query.ContainsKey("encrypt_type")));
        var timeline = await simulator.Client.GetFromJsonAsync<JsonElement>(new Uri($"/sim/users/{openId}/timeline", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(["user", "retry", "retry", "error"], timeline.EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToArray());
    }
}
