using System.Net;
using System.Text.Json;
using WeChatAi.Api.Admission;
using WeChatAi.Api.Webhook;
using WeChatAi.Core.Replies;
using WeChatAi.Core.WeChat;
using WeChatAi.Tests.Admin;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Webhook;

namespace WeChatAi.Tests.Security;

/// <summary>
/// Issue 21, item 1: the webhook trusts only what WeChat signed. The attacker holds one callback URL (a signed query
/// string, as proxy and ingress logs keep them) but not the token or the EncodingAESKey.
/// </summary>
public sealed class WebhookForgeryTests(WebhookForgeryFixture api) : IClassFixture<WebhookForgeryFixture>
{
    [Theory]
    [InlineData("")]
    [InlineData("&encrypt_type=raw")]
    public async Task A_signed_plaintext_push_to_a_safe_mode_account_is_401_enqueues_nothing_and_warns_naming_the_setting(string encryptType)
    {
        string victim = $"o-forged-victim{encryptType.Length}";
        var forger = WebhookForgeryFixture.PlainSender(api.SafeApi);

        var (status, body) = await WeChatClient.SendAsync(forger.PostPlainAsync(WeChatClient.Text(victim, 8_001, "花掉他的额度"), forger.SignedQuery() + encryptType));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("WeChat:EncodingAESKey", body, StringComparison.Ordinal);
        Assert.Empty(await api.JobsOfAsync(victim));
        Assert.Contains(LogLines.WarningsAndErrors(api.SafeApi.Output), line => line.Contains("Refused a plaintext WeChat push", StringComparison.Ordinal)
            && line.Contains("WeChat:EncodingAESKey", StringComparison.Ordinal) && line.Contains("WeChat:AcceptPlaintext", StringComparison.Ordinal)
            && !line.Contains(victim, StringComparison.Ordinal));
        Assert.DoesNotContain(victim, api.SafeApi.Output, StringComparison.Ordinal);

        // The legitimate twin: the same message as WeChat sends it in safe mode.
        var (okStatus, reply) = await WeChatClient.SendAsync(api.SafeWeChat.PostAsync(WeChatClient.Text(victim, 8_001, "我自己的问题")));
        Assert.Equal(HttpStatusCode.OK, okStatus);
        Assert.Equal(WebhookForgeryFixture.AckText, WeChatClient.ReplyContent(reply));
        Assert.Equal("我自己的问题", Assert.Single(await api.JobsOfAsync(victim)).Content);
    }

    [Fact]
    public async Task A_forged_continue_reads_none_of_the_victims_pending_parts_while_the_victims_own_continue_does()
    {
        const string victim = "o-forged-continue";
        const string part = "只给本人看的第二部分";
        await api.Redis.ListRightPushAsync(ReplyKeys.Pending(TestShards.Of(victim), WebhookForgeryFixture.SafeAppId, victim), part);
        var forger = WebhookForgeryFixture.PlainSender(api.SafeApi);

        var (status, body) = await WeChatClient.SendAsync(forger.PostPlainAsync(WeChatClient.Text(victim, 8_101, ReplyKeys.ContinueText)));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.DoesNotContain(part, body, StringComparison.Ordinal);
        Assert.Equal(1, await api.Redis.ListLengthAsync(ReplyKeys.Pending(TestShards.Of(victim), WebhookForgeryFixture.SafeAppId, victim)));

        var (okStatus, reply) = await WeChatClient.SendAsync(api.SafeWeChat.PostAsync(WeChatClient.Text(victim, 8_102, ReplyKeys.ContinueText)));
        Assert.Equal(HttpStatusCode.OK, okStatus);
        Assert.Contains(part, WeChatClient.ReplyContent(reply), StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_compatible_mode_only_the_decrypted_message_is_used_whatever_the_plain_fields_say()
    {
        const string sender = "o-compat-signed";
        const string claimed = "o-compat-claimed";
        using var crypto = new WeChatMessageCrypto(WebhookForgeryFixture.SafeAppId, WebhookForgeryFixture.EncodingAesKey);
        string plainFields = $"<FromUserName><![CDATA[{claimed}]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType>" +
            "<Content><![CDATA[明文里的另一个问题]]></Content><MsgId>8202</MsgId>";
        var weChat = new WeChatClient(api.SafeApi.Client, WebhookForgeryFixture.Token);

        var (status, body) = await WeChatClient.SendAsync(weChat.PostEncryptedAsync(crypto, WeChatClient.Text(sender, 8_201, "加密的问题"), plaintextToo: plainFields));

        Assert.Equal(HttpStatusCode.OK, status);
        var job = Assert.Single(await api.JobsOfAsync(sender));
        Assert.Equal(("加密的问题", 8_201L), (job.Content, job.MsgId));
        Assert.Empty(await api.JobsOfAsync(claimed));
        var reply = WeChatXml.Parse(crypto.Decrypt(WeChatXml.Parse(body).GetEncrypt()));
        Assert.Equal(sender, reply.Get("ToUserName"));
    }

    [Fact]
    public async Task A_signed_plaintext_query_admits_its_retry_but_not_another_body()
    {
        var weChat = WebhookForgeryFixture.PlainSender(api.PlainApi);
        string query = weChat.SignedQuery();
        string message = WeChatClient.Text("o-plain-first", 8_301, "第一条");

        var (first, firstBody) = await WeChatClient.SendAsync(weChat.PostPlainAsync(message, query));
        var (retry, retryBody) = await WeChatClient.SendAsync(weChat.PostPlainAsync(message, query));
        var (forged, forgedBody) = await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text("o-plain-forged", 8_302, "第二条"), query));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first, retry));
        Assert.Equal(WebhookForgeryFixture.AckText, WeChatClient.ReplyContent(firstBody));
        Assert.Equal(WebhookForgeryFixture.AckText, WeChatClient.ReplyContent(retryBody));
        Assert.Single(await api.JobsOfAsync("o-plain-first"));
        Assert.Equal(HttpStatusCode.Unauthorized, forged);
        Assert.Contains("already came with a different body", forgedBody, StringComparison.Ordinal);
        Assert.Empty(await api.JobsOfAsync("o-plain-forged"));

        // Remembered while the timestamp is accepted (300 s either side of now by default), and not much longer.
        string signature = query.Split('&')[0]["signature=".Length..];
        var ttl = await api.Redis.KeyTimeToLiveAsync(SignedQueryReplay.Key(WebhookForgeryFixture.PlainAppId, signature));
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(601));
    }

    [Fact]
    public async Task The_same_signature_in_upper_case_is_the_same_query()
    {
        var weChat = WebhookForgeryFixture.PlainSender(api.PlainApi);
        string query = weChat.SignedQuery();
        string upper = "signature=" + query["signature=".Length..query.IndexOf('&', StringComparison.Ordinal)].ToUpperInvariant() + query[query.IndexOf('&', StringComparison.Ordinal)..];

        var (first, _) = await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text("o-case-first", 8_401, "第一条"), query));
        var (forged, _) = await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text("o-case-forged", 8_402, "第二条"), upper));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Unauthorized), (first, forged));
        Assert.Empty(await api.JobsOfAsync("o-case-forged"));
    }

    [Fact]
    public async Task While_switching_modes_plaintext_is_accepted_one_body_per_query_and_the_startup_says_so()
    {
        var plain = WebhookForgeryFixture.PlainSender(api.SwitchApi);
        var safe = new WeChatClient(api.SwitchApi.Client, WebhookForgeryFixture.Token, WebhookForgeryFixture.SwitchAppId, WebhookForgeryFixture.EncodingAesKey);
        string query = plain.SignedQuery();

        var (plainStatus, plainBody) = await WeChatClient.SendAsync(plain.PostPlainAsync(WeChatClient.Text("o-switch-plain", 8_501, "明文"), query));
        var (safeStatus, safeBody) = await WeChatClient.SendAsync(safe.PostAsync(WeChatClient.Text("o-switch-safe", 8_502, "密文")));
        var (forged, _) = await WeChatClient.SendAsync(plain.PostPlainAsync(WeChatClient.Text("o-switch-forged", 8_503, "另一条"), query));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (plainStatus, safeStatus));
        Assert.Equal(WebhookForgeryFixture.AckText, WeChatClient.ReplyContent(plainBody));
        Assert.Equal(WebhookForgeryFixture.AckText, WeChatClient.ReplyContent(safeBody));
        Assert.Single(await api.JobsOfAsync("o-switch-plain"));
        Assert.Single(await api.JobsOfAsync("o-switch-safe"));
        Assert.Equal(HttpStatusCode.Unauthorized, forged);
        Assert.Empty(await api.JobsOfAsync("o-switch-forged"));
        Assert.Contains(LogLines.WarningsAndErrors(api.SwitchApi.Output), line => line.Contains("WeChat:AcceptPlaintext is on", StringComparison.Ordinal));
        Assert.DoesNotContain(LogLines.WarningsAndErrors(api.SafeApi.Output), line => line.Contains("WeChat:AcceptPlaintext is on", StringComparison.Ordinal));
    }

    // A plain question has its signed query checked inside the admission script (no round trip of its own); the query
    // is the same one whichever path used it first.
    [Fact]
    public async Task A_forged_question_under_a_query_an_event_used_is_401_and_claims_enqueues_and_charges_nothing()
    {
        const string victim = "o-fold-victim";
        var weChat = WebhookForgeryFixture.PlainSender(api.PlainApi);
        string query = weChat.SignedQuery();

        var (first, _) = await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Event("o-fold-subscriber", "subscribe"), query));
        var (forged, forgedBody) = await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text(victim, 8_601, "花掉他的额度"), query));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Unauthorized), (first, forged));
        Assert.Contains("already came with a different body", forgedBody, StringComparison.Ordinal);
        Assert.Empty(await api.JobsOfAsync(victim));
        Assert.False(await api.Redis.KeyExistsAsync(AdmissionKeys.Dedup(TestShards.Of(victim), WebhookForgeryFixture.PlainAppId, $"{victim}:8601")));
        Assert.False(await api.Redis.KeyExistsAsync(AdmissionKeys.UserBucket(TestShards.Of(victim), WebhookForgeryFixture.PlainAppId, victim)));

        // The legitimate twin: the same message under its own query is a new message, not a duplicate of the forgery.
        var (okStatus, reply) = await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text(victim, 8_601, "我自己的问题")));
        Assert.Equal(HttpStatusCode.OK, okStatus);
        Assert.Equal(WebhookForgeryFixture.AckText, WeChatClient.ReplyContent(reply));
        Assert.Equal("我自己的问题", Assert.Single(await api.JobsOfAsync(victim)).Content);
    }

    [Fact]
    public async Task After_a_question_used_a_query_a_forged_continue_keyword_command_or_event_under_it_is_401()
    {
        const string victim = "o-fold-pending";
        const string part = "只给本人看的下一部分";
        const string keyword = "防伪口令";
        const string keywordReply = "只有真的推送才看得到的关键词回复";
        await CreateKeywordRuleAsync(keyword, keywordReply);
        await api.Redis.ListRightPushAsync(ReplyKeys.Pending(TestShards.Of(victim), WebhookForgeryFixture.PlainAppId, victim), part);
        var weChat = WebhookForgeryFixture.PlainSender(api.PlainApi);
        string query = weChat.SignedQuery();

        var (first, _) = await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text("o-fold-asker", 8_701, "一个普通的问题"), query));
        Assert.Equal(HttpStatusCode.OK, first);
        Assert.Single(await api.JobsOfAsync("o-fold-asker"));

        string[] forgeries =
        [
            WeChatClient.Text(victim, 8_702, ReplyKeys.ContinueText),
            WeChatClient.Text(victim, 8_703, keyword),
            WeChatClient.Text(victim, 8_704, "关于"),
            WeChatClient.Event(victim, "subscribe"),
        ];
        foreach (string forgery in forgeries)
        {
            var (status, body) = await WeChatClient.SendAsync(weChat.PostPlainAsync(forgery, query));
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Contains("already came with a different body", body, StringComparison.Ordinal);
        }

        Assert.Equal(1, await api.Redis.ListLengthAsync(ReplyKeys.Pending(TestShards.Of(victim), WebhookForgeryFixture.PlainAppId, victim)));
        Assert.Empty(await api.JobsOfAsync(victim));

        // The legitimate twins, each under its own query.
        var (continued, continueReply) = await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text(victim, 8_702, ReplyKeys.ContinueText)));
        var (keyed, keywordAnswer) = await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text(victim, 8_703, keyword)));
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (continued, keyed));
        Assert.Contains(part, WeChatClient.ReplyContent(continueReply), StringComparison.Ordinal);
        Assert.Equal(keywordReply, WeChatClient.ReplyContent(keywordAnswer));
    }

    // Only this test writes rules on the plaintext API, so its set is at version 1 once this rule is loaded.
    private async Task CreateKeywordRuleAsync(string pattern, string reply)
    {
        string rule = JsonSerializer.Serialize(new { matchType = "exact", pattern, reply, enabled = true, priority = 0 });
        var (status, _) = await AdminApi.SendAsync(
            api.PlainApi.Client, HttpMethod.Post, "/api/admin/keywords", new Dictionary<string, string> { ["X-Admin-Key"] = WebhookForgeryFixture.AdminKey }, rule);
        Assert.Equal(HttpStatusCode.Created, status);
        for (int i = 0; i < 200 && !api.PlainApi.Output.Contains("(version 1).", StringComparison.Ordinal); i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Contains("(version 1).", api.PlainApi.Output, StringComparison.Ordinal);
    }
}
