using System.Net;
using Npgsql;
using WeChatAi.Api.Webhook;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Queue;
using WeChatAi.Core.WeChat;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Core.Stats;

namespace WeChatAi.Tests.Webhook;

/// <summary>Messages and events end to end: real HTTP to the API process, real Redis stream, real PostgreSQL.</summary>
public class WebhookMessageTests(WebhookFixture api) : IClassFixture<WebhookFixture>
{
    private WeChatClient WeChat => api.WeChat;

    [Fact]
    public async Task Safe_mode_round_trip_enqueues_the_decrypted_text_and_replies_encrypted_and_signed()
    {
        using var crypto = new WeChatMessageCrypto(WebhookFixture.AppId, WebhookFixture.EncodingAesKey);

        var (status, body) = await WeChatClient.SendAsync(WeChat.PostEncryptedAsync(crypto, WeChatClient.Text("o-safe", 1001, "加密的问题")));

        Assert.Equal(HttpStatusCode.OK, status);
        var envelope = WeChatXml.Parse(body);
        string encrypt = envelope.GetEncrypt();
        string expected = WeChatClient.Sha1Signature(WebhookFixture.Token, envelope.GetRequired("TimeStamp"), envelope.GetRequired("Nonce"), encrypt);
        Assert.Equal(expected, envelope.GetRequired("MsgSignature"));

        var reply = WeChatXml.Parse(crypto.Decrypt(encrypt));
        Assert.Equal("o-safe", reply.Get("ToUserName"));
        Assert.Equal(WeChatClient.Account, reply.Get("FromUserName"));
        Assert.Equal(WebhookFixture.AckText, reply.Get("Content"));

        var job = await FindJobAsync(AiJob.CreateJobId(WebhookFixture.AppId, "o-safe", 1001));
        Assert.Equal("加密的问题", job.Content);
    }

    [Fact]
    public async Task Compatible_mode_trusts_only_the_encrypted_part()
    {
        using var crypto = new WeChatMessageCrypto(WebhookFixture.AppId, WebhookFixture.EncodingAesKey);
        const string forgedPlaintext = "<FromUserName>o-forged</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>forged</Content><MsgId>1002</MsgId>";

        var (status, _) = await WeChatClient.SendAsync(WeChat.PostEncryptedAsync(crypto, WeChatClient.Text("o-compat", 1002, "signed"), plaintextToo: forgedPlaintext));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("signed", (await FindJobAsync(AiJob.CreateJobId(WebhookFixture.AppId, "o-compat", 1002))).Content);
    }

    [Fact]
    public async Task Plaintext_text_becomes_one_job_with_the_contract_fields_and_the_callers_trace()
    {
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        var request = WeChat.Request(WeChatClient.Text("o-plain", 1003, "你好"));
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");

        using var response = await WeChat.PostAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        byte[] body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        Assert.Equal(WebhookFixture.AckText, WeChatClient.ReplyContent(System.Text.Encoding.UTF8.GetString(body)));
        var job = await FindJobAsync(AiJob.CreateJobId(WebhookFixture.AppId, "o-plain", 1003));
        Assert.Equal((WebhookFixture.AppId, "o-plain", 1003L, "你好"), (job.AppId, job.OpenId, job.MsgId, job.Content));
        Assert.StartsWith($"00-{traceId}-", job.TraceParent, StringComparison.Ordinal);
        Assert.InRange(job.ReceivedAtUnixMs, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        // Counted on the user's shard.
        var shard = TestShards.Of("o-plain");
        Assert.True((long)await api.Redis.HashGetAsync(StatsKeys.Counters(shard, DateTimeOffset.UtcNow), "received") >= 1);
        Assert.True(await api.Redis.HyperLogLogLengthAsync(StatsKeys.Users(shard, DateTimeOffset.UtcNow)) >= 1);
    }

    [Fact]
    public async Task Twenty_concurrent_deliveries_of_one_MsgId_make_exactly_one_job_and_all_get_the_ack()
    {
        long before = await api.JobCountAsync();
        string xml = WeChatClient.Text("o-retry", 1004, "只问一次");

        var replies = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => WeChatClient.SendAsync(WeChat.PostAsync(xml))));

        Assert.All(replies, reply =>
        {
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            Assert.Equal(WebhookFixture.AckText, WeChatClient.ReplyContent(reply.Body));
        });
        Assert.Equal(before + 1, await api.JobCountAsync());
    }

    [Fact]
    public async Task Over_the_burst_a_user_gets_a_friendly_reply_and_no_job_while_others_are_unaffected()
    {
        long before = await api.JobCountAsync();
        var replies = new List<string>();
        for (int msgId = 1; msgId <= 7; msgId++)
        {
            var (status, body) = await WeChatClient.SendAsync(WeChat.PostAsync(WeChatClient.Text("o-burst", 2000 + msgId, "q")));
            Assert.Equal(HttpStatusCode.OK, status);
            replies.Add(WeChatClient.ReplyContent(body));
        }

        Assert.Equal([.. Enumerable.Repeat(WebhookFixture.AckText, 5), .. Enumerable.Repeat("您发送得太快了，请稍后再试。", 2)], replies);
        Assert.Equal(before + 5, await api.JobCountAsync());

        // WeChat's retry of a limited message gets the same friendly reply, not the ack.
        var (_, retry) = await WeChatClient.SendAsync(WeChat.PostAsync(WeChatClient.Text("o-burst", 2007, "q")));
        Assert.Equal("您发送得太快了，请稍后再试。", WeChatClient.ReplyContent(retry));

        var (_, other) = await WeChatClient.SendAsync(WeChat.PostAsync(WeChatClient.Text("o-calm", 2001, "q")));
        Assert.Equal(WebhookFixture.AckText, WeChatClient.ReplyContent(other));
        Assert.Equal(before + 6, await api.JobCountAsync());
    }

    [Fact]
    public async Task Concurrent_messages_sharing_enqueue_calls_each_get_their_own_outcome_and_job()
    {
        // 10 users x 6 messages at once: the webhook packs concurrent messages into shared script calls, so this
        // checks that every message's keys, values and outcome stay its own inside a batch.
        var messages = (from user in Enumerable.Range(0, 10)
                        from n in Enumerable.Range(0, 6)
                        select (OpenId: $"o-batch-{user}", MsgId: 3000L + (user * 10) + n)).ToList();

        var replies = await Task.WhenAll(messages.Select(async m =>
        {
            var (status, body) = await WeChatClient.SendAsync(WeChat.PostAsync(WeChatClient.Text(m.OpenId, m.MsgId, $"问题{m.MsgId}")));
            Assert.Equal(HttpStatusCode.OK, status);
            return (m.OpenId, m.MsgId, Reply: WeChatClient.ReplyContent(body));
        }));

        var jobs = (await api.Redis.JobEntriesAsync()).Select(AiJob.FromStreamEntry)
            .Where(j => j.OpenId.StartsWith("o-batch-", StringComparison.Ordinal))
            .ToDictionary(j => j.MsgId);
        Assert.Equal(50, jobs.Count);
        foreach (var user in replies.GroupBy(r => r.OpenId))
        {
            Assert.Equal(5, user.Count(r => r.Reply == WebhookFixture.AckText));
            Assert.Equal(1, user.Count(r => r.Reply == "您发送得太快了，请稍后再试。"));
        }

        foreach (var (openId, msgId, reply) in replies)
        {
            if (reply == WebhookFixture.AckText)
            {
                Assert.Equal((openId, $"问题{msgId}"), (jobs[msgId].OpenId, jobs[msgId].Content));
            }
            else
            {
                Assert.False(jobs.ContainsKey(msgId), $"Message {msgId} was limited but has a job.");
            }
        }
    }

    [Fact]
    public async Task Voice_with_recognition_is_enqueued_as_its_text()
    {
        const string voice = "<xml><ToUserName>gh_account</ToUserName><FromUserName>o-voice</FromUserName><CreateTime>1</CreateTime><MsgType>voice</MsgType>" +
            "<MediaId>m</MediaId><Format>amr</Format><Recognition>今天天气怎么样</Recognition><MsgId>1005</MsgId></xml>";

        var (_, body) = await WeChatClient.SendAsync(WeChat.PostAsync(voice));

        Assert.Equal(WebhookFixture.AckText, WeChatClient.ReplyContent(body));
        Assert.Equal("今天天气怎么样", (await FindJobAsync(AiJob.CreateJobId(WebhookFixture.AppId, "o-voice", 1005))).Content);
    }

    [Theory]
    [InlineData("<MsgType>image</MsgType><PicUrl>http://p</PicUrl><MediaId>m</MediaId>", ReplyTexts.NoVisionText)]
    [InlineData("<MsgType>voice</MsgType><MediaId>m</MediaId><Format>amr</Format><Recognition></Recognition>", ReplyTexts.NoTranscriptionText)]
    [InlineData("<MsgType>link</MsgType><Title>t</Title><Description>d</Description><Url>http://u</Url>", ReplyTexts.UnsupportedText)]
    [InlineData("<MsgType>sticker</MsgType>", ReplyTexts.UnsupportedText)]
    public async Task Messages_it_cannot_understand_get_a_short_text_reply_and_no_job(string fields, string reply)
    {
        long before = await api.JobCountAsync();

        var (status, body) = await WeChatClient.SendAsync(WeChat.PostAsync(
            $"<xml><ToUserName>gh_account</ToUserName><FromUserName>o-media</FromUserName><CreateTime>1</CreateTime>{fields}<MsgId>1006</MsgId></xml>"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(reply, WeChatClient.ReplyContent(body));
        Assert.Equal(before, await api.JobCountAsync());
    }

    [Fact]
    public async Task Subscribe_gets_the_welcome_text_and_unsubscribe_is_recorded_in_PostgreSQL()
    {
        var (status, welcome) = await WeChatClient.SendAsync(WeChat.PostAsync(WeChatClient.Event("o-follower", "subscribe")));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(WebhookFixture.WelcomeText, WeChatClient.ReplyContent(welcome));
        Assert.Equal((true, (DateTimeOffset?)null), await ReadUserAsync("o-follower"));

        var (_, goodbye) = await WeChatClient.SendAsync(WeChat.PostAsync(WeChatClient.Event("o-follower", "unsubscribe", 1714037100)));

        Assert.Equal("success", goodbye);
        var (subscribed, unsubscribedAt) = await ReadUserAsync("o-follower");
        Assert.False(subscribed);
        Assert.NotNull(unsubscribedAt);
    }

    [Theory]
    [InlineData("SCAN", "<EventKey>123</EventKey><Ticket>t</Ticket>")]
    [InlineData("CLICK", "<EventKey>menu</EventKey>")]
    [InlineData("LOCATION", "<Latitude>23.1</Latitude><Longitude>113.3</Longitude><Precision>119.3</Precision>")]
    [InlineData("TEMPLATESENDJOBFINISH", "")]
    public async Task Other_events_get_success(string @event, string fields)
    {
        var (status, body) = await WeChatClient.SendAsync(WeChat.PostAsync(
            $"<xml><ToUserName>gh_account</ToUserName><FromUserName>o-events</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>{@event}</Event>{fields}</xml>"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("success", body);
    }

    [Fact]
    public async Task Logs_carry_neither_message_content_nor_the_token()
    {
        const string secretQuestion = "my-private-question-4711";
        await WeChatClient.SendAsync(WeChat.PostAsync(WeChatClient.Text("o-private", 1007, secretQuestion)));
        await WeChatClient.SendAsync(WeChat.PostAsync("<xml><bad>" + secretQuestion));

        Assert.DoesNotContain(secretQuestion, api.Api.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(WebhookFixture.Token, api.Api.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(WebhookFixture.EncodingAesKey, api.Api.Output, StringComparison.Ordinal);
    }

    private async Task<AiJob> FindJobAsync(string jobId)
    {
        var entries = await api.Redis.JobEntriesAsync();
        return Assert.Single(entries.Select(AiJob.FromStreamEntry), job => job.JobId == jobId);
    }

    private async Task<(bool Subscribed, DateTimeOffset? UnsubscribedAt)> ReadUserAsync(string openId)
    {
        await using var connection = new NpgsqlConnection(api.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""SELECT "Subscribed", "UnsubscribedAt" FROM wechat_users WHERE "AppId" = @app AND "OpenId" = @open""", connection);
        command.Parameters.AddWithValue("app", WebhookFixture.AppId);
        command.Parameters.AddWithValue("open", openId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"No wechat_users row for {openId}.");
        return (reader.GetBoolean(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
    }
}

/// <summary>
/// The same admission on a Redis Cluster: de-dup, rate limit, quota and batches in the admission script on the users'
/// shards. (It inherits the single fixture too, which xUnit starts unused: the price of sharing the tests.)
/// </summary>
[Collection(RedisClusterCollection.Name)]
public sealed class WebhookMessageClusterTests(WebhookClusterFixture api) : WebhookMessageTests(api), IClassFixture<WebhookClusterFixture>;
