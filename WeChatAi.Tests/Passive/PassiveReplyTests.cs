using WeChatAi.Core.Queue;
using WeChatAi.Core.Replies;
using WeChatAi.Tests.Webhook;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Worker;

namespace WeChatAi.Tests.Passive;

/// <summary>
/// Passive reply mode end to end: the real API and worker processes, real Redis and PostgreSQL, fakes of the LLM
/// and WeChat's API, and the test playing WeChat's servers (5-second timeout, up to three attempts per MsgId).
/// </summary>
public class PassiveReplyTests
{
    private const string Token = "passive-test-token";
    private const string LateText = "回答还在生成中，请稍后发送任意消息查看。";
    private readonly PostgresServer _postgres;
    private readonly IRedisSource _redis;

    public PassiveReplyTests(PostgresServer postgres)
        : this(postgres, SingleRedis.Source)
    {
    }

    protected PassiveReplyTests(PostgresServer postgres, IRedisSource redis)
    {
        _postgres = postgres;
        _redis = redis;
    }

    [Fact]
    public async Task A_fast_answer_is_the_passive_reply_and_nothing_is_pushed()
    {
        await using var app = await PassiveApp.StartAsync(_postgres, _redis, replyMode: "passive");
        app.Harness.Llm.Delay = TimeSpan.FromMilliseconds(300);

        var reply = await app.DeliverAsync("oFast", msgId: 1, "今天天气如何");

        Assert.Equal("答复：今天天气如何", reply);
        Assert.Empty(app.Harness.WeChat.Messages);
        Assert.Equal(1, await app.Harness.Db.JobCountAsync());
    }

    [Fact]
    public async Task WeChats_retry_of_the_same_message_waits_on_the_same_job_and_gets_the_answer()
    {
        await using var app = await PassiveApp.StartAsync(_postgres, _redis, replyMode: "passive");
        app.Harness.Llm.Delay = TimeSpan.FromSeconds(6.5);

        var attempts = await app.DeliverWithRetriesAsync("oSlow", msgId: 2, "慢一点的问题");

        Assert.Equal(2, attempts.Count);
        Assert.Null(attempts[0]);
        Assert.Equal("答复：慢一点的问题", attempts[1]);
        Assert.Equal(1, app.Harness.Llm.Calls);
        Assert.Equal(1, await app.Harness.Db.JobCountAsync());
    }

    [Fact]
    public async Task An_answer_that_misses_all_three_attempts_comes_with_the_next_message()
    {
        await using var app = await PassiveApp.StartAsync(_postgres, _redis, replyMode: "passive");
        app.Harness.Llm.Delay = TimeSpan.FromSeconds(16);
        app.Harness.Llm.SlowCalls = 1;

        var attempts = await app.DeliverWithRetriesAsync("oLate", msgId: 3, "很难的问题");
        Assert.Equal([null, null, LateText], attempts);
        await app.Harness.WaitForExchangesAsync(1);

        var next = await app.DeliverAsync("oLate", msgId: 4, "在吗");

        Assert.Equal("答复：很难的问题\n\n答复：在吗", next);
        Assert.Empty(app.Harness.WeChat.Messages);
    }

    [Fact]
    public async Task Without_customer_service_permission_the_account_switches_to_passive_and_the_answer_comes_with_the_next_message()
    {
        await using var app = await PassiveApp.StartAsync(_postgres, _redis, replyMode: "push");
        app.Harness.WeChat.SendFaults.Enqueue(48001);

        Assert.Equal("正在思考中...", await app.DeliverAsync("oNoPermission", msgId: 5, "第一个问题"));
        await app.Harness.WaitForExchangesAsync(1);
        Assert.True(await app.Harness.Db.KeyExistsAsync(ReplyKeys.PassiveSwitch(TestShards.Default[0], WorkerHarness.AppId)));

        var next = await app.DeliverAsync("oNoPermission", msgId: 6, "第二个问题");

        Assert.Equal("答复：第一个问题\n\n答复：第二个问题", next);
        Assert.Empty(app.Harness.WeChat.Messages);
    }

    [Fact]
    public async Task A_long_answer_ends_with_the_continue_link_and_each_tap_serves_the_next_part_at_once_without_the_LLM()
    {
        await using var app = await PassiveApp.StartAsync(_postgres, _redis, replyMode: "passive");
        string[] paragraphs = [new string('甲', 600), new string('乙', 600), new string('丙', 600)];
        app.Harness.Llm.Answer = question => question == "长问题" ? string.Join("\n\n", paragraphs) : $"答复：{question}";
        const string Link = "<a href=\"weixin://bizmsgmenu?msgmenucontent=继续&msgmenuid=1\">继续</a>";

        var first = await app.DeliverAsync("oLong", msgId: 20, "长问题");
        Assert.Equal(paragraphs[0] + "\n\n" + Link, first);

        var second = await app.DeliverAsync("oLong", msgId: 21, "继续");
        Assert.Equal(paragraphs[1] + "\n\n" + Link, second);
        Assert.Equal(second, await app.DeliverAsync("oLong", msgId: 21, "继续")); // WeChat's retry of the same tap

        Assert.Equal(paragraphs[2], await app.DeliverAsync("oLong", msgId: 22, "继续"));
        Assert.Equal(1, app.Harness.Llm.Calls);
        Assert.Equal(1, await app.Harness.Db.JobCountAsync());

        // Nothing pending any more: "继续" is an ordinary message.
        Assert.Equal("答复：继续", await app.DeliverAsync("oLong", msgId: 23, "继续"));
        Assert.Equal(2, app.Harness.Llm.Calls);
    }

    /// <summary>The API and a worker in one reply mode, sharing the worker harness's Redis, database and fakes.</summary>
    private sealed class PassiveApp : IAsyncDisposable
    {
        private readonly ServiceProcess _api;
        private readonly HttpClient _weChatServers;

        private PassiveApp(WorkerHarness harness, ServiceProcess api)
        {
            Harness = harness;
            _api = api;
            // WeChat's servers wait 5 s for each attempt.
            _weChatServers = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        }

        public WorkerHarness Harness { get; }

        public static async Task<PassiveApp> StartAsync(PostgresServer postgres, IRedisSource redis, string replyMode)
        {
            var harness = await WorkerHarness.StartAsync(postgres, redis);
            await harness.StartWorkerAsync(new Dictionary<string, string?> { ["WeChat__ReplyMode"] = replyMode });
            var api = await ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>
            {
                ["ConnectionStrings__redis"] = harness.Redis.ConnectionString,
                ["ConnectionStrings__wechatdb"] = harness.Database,
                ["WeChat__Token"] = Token,
                ["WeChat__AppId"] = WorkerHarness.AppId,
                ["WeChat__ReplyMode"] = replyMode,
                ["WeChat__PassiveLateText"] = LateText,
                ["WeChat__AckMode"] = "text", // these tests read the passive text; typing has its own
            });
            return new PassiveApp(harness, api);
        }

        /// <summary>One attempt; returns the passive reply's text.</summary>
        public async Task<string> DeliverAsync(string openId, long msgId, string content)
        {
            var (status, body) = await WeChatClient.SendAsync(new WeChatClient(_weChatServers, Token).PostPlainAsync(WeChatClient.Text(openId, msgId, content)));
            Assert.Equal(System.Net.HttpStatusCode.OK, status);
            return WeChatClient.ReplyContent(body);
        }

        /// <summary>Up to three attempts with the same MsgId, as WeChat makes them; null for an attempt without an answer.</summary>
        public async Task<List<string?>> DeliverWithRetriesAsync(string openId, long msgId, string content)
        {
            var replies = new List<string?>();
            for (var attempt = 0; attempt < 3; attempt++)
            {
                try
                {
                    replies.Add(await DeliverAsync(openId, msgId, content));
                    return replies;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    replies.Add(null);
                }
            }

            return replies;
        }

        public async ValueTask DisposeAsync()
        {
            _weChatServers.Dispose();
            await _api.DisposeAsync();
            await Harness.DisposeAsync();
        }
    }
}

/// <summary>The same passive replies on a Redis Cluster: the reply's wait and hand-over scripts on the user's shard.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class PassiveReplyClusterTests(PostgresServer postgres, RedisClusterFixture cluster) : PassiveReplyTests(postgres, cluster);
