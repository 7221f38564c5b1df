using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using WeChatAi.Api.Admission;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Webhook;

namespace WeChatAi.Tests.Billing;

/// <summary>Free quota and credits in the webhook's admission, over real HTTP to two API replicas on one Redis.</summary>
public sealed class QuotaTests(BillingApiFixture api) : IClassFixture<BillingApiFixture>
{
    private static long _msgId = 50_000;

    [Fact]
    public async Task The_free_quota_admits_three_then_replies_with_the_purchase_link_and_enqueues_nothing()
    {
        const string user = "o-free";
        for (var i = 0; i < BillingApiFixture.FreeDaily; i++)
        {
            Assert.Equal("正在思考中...", await AskAsync(0, user, "问题"));
        }

        var before = await JobsOfAsync(user);
        var reply = await AskAsync(1, user, "再问一个");

        Assert.Contains("免费提问已用完", reply, StringComparison.Ordinal);
        Assert.Contains($"{BillingApiFixture.PublicBaseUrl}/pay", reply, StringComparison.Ordinal);
        Assert.Equal(before, await JobsOfAsync(user));
        Assert.Equal(BillingApiFixture.FreeDaily, before.Count);
        Assert.All(before, charge => Assert.Equal($"f:{BillingDay.Key(BillingDay.Of(DateTimeOffset.UtcNow))}", charge));
    }

    [Fact]
    public async Task Credits_are_used_after_the_free_quota_then_the_user_is_over_quota()
    {
        const string user = "o-credits";
        await api.GrantAsync(user, 2, "grant:test-credits");

        var replies = new List<string>();
        for (var i = 0; i < BillingApiFixture.FreeDaily + 3; i++)
        {
            replies.Add(await AskAsync(i % 2, user, $"问题{i}"));
        }

        Assert.Equal(BillingApiFixture.FreeDaily + 2, replies.Count(r => r == "正在思考中..."));
        Assert.Contains("免费提问已用完", replies[^1], StringComparison.Ordinal);
        var charges = await JobsOfAsync(user);
        Assert.Equal(2, charges.Count(c => c == Charge.Credit));
        Assert.Equal(0, (long)await api.Redis.HashGetAsync(BillingKeys.Credits(TestShards.Of(user), BillingApiFixture.AppId, user), BillingKeys.BalanceField));
    }

    [Fact]
    public async Task The_quota_holds_across_two_replicas_under_concurrent_messages()
    {
        const string user = "o-replicas";
        await api.GrantAsync(user, 4, "grant:test-replicas");

        var replies = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => AskAsync(i % 2, user, $"并发{i}")));

        Assert.Equal(BillingApiFixture.FreeDaily + 4, replies.Count(r => r == "正在思考中..."));
        Assert.Equal(20 - BillingApiFixture.FreeDaily - 4, replies.Count(r => r.Contains("免费提问已用完", StringComparison.Ordinal)));
        Assert.Equal(BillingApiFixture.FreeDaily + 4, (await JobsOfAsync(user)).Count);
    }

    [Fact]
    public async Task The_quota_command_tells_free_questions_left_and_credits_and_costs_nothing()
    {
        const string user = "o-command";
        await api.GrantAsync(user, 5, "grant:test-command");
        await AskAsync(0, user, "第一个问题");

        var reply = await AskAsync(1, user, " 额度 ");
        var slash = await AskAsync(0, user, "/quota");

        Assert.Contains($"剩余 {BillingApiFixture.FreeDaily - 1}/{BillingApiFixture.FreeDaily} 次", reply, StringComparison.Ordinal);
        Assert.Contains("积分 5", reply, StringComparison.Ordinal);
        Assert.Contains($"{BillingApiFixture.PublicBaseUrl}/pay", reply, StringComparison.Ordinal);
        Assert.Equal(reply, slash);
        Assert.Single(await JobsOfAsync(user));
    }

    [Fact]
    public async Task A_retried_over_quota_message_gets_the_same_reply_and_no_job()
    {
        const string user = "o-retry-over";
        for (var i = 0; i < BillingApiFixture.FreeDaily; i++)
        {
            await AskAsync(0, user, "问题");
        }

        var msgId = Interlocked.Increment(ref _msgId);
        var first = await AskAsync(0, user, "超额", msgId);
        await api.GrantAsync(user, 3, "grant:test-retry-over");
        var retry = await AskAsync(1, user, "超额", msgId);

        Assert.Equal(first, retry);
        Assert.Contains("免费提问已用完", retry, StringComparison.Ordinal);
        Assert.Equal(BillingApiFixture.FreeDaily, (await JobsOfAsync(user)).Count);
    }

    [Fact]
    public async Task The_free_quota_starts_again_at_midnight_in_China_not_at_midnight_UTC()
    {
        // In process, with a fake clock, against the fixture's real Redis: 15:59:59 UTC is 23:59:59 in Beijing.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 15, 59, 59, TimeSpan.Zero));
        await using var services = new ServiceCollection()
            .AddDbContext<WeChatDbContext>(o => o.UseNpgsql(api.Database))
            .AddSingleton(api.Connection)
            .AddSingleton<TimeProvider>(time)
            .AddSingleton<CreditLedger>()
            .AddSingleton(TestShards.Default)
            .AddSingleton<CreditCache>()
            .Configure<BillingOptions>(o => o.FreeDailyMessages = 1)
            .BuildServiceProvider();
        await using var admission = new MessageAdmission(
            api.Connection,
            TestShards.Default,
            new ReplicaAcks(api.Connection, Options.Create(new RedisOptions()), TimeProvider.System, NullLogger<ReplicaAcks>.Instance),
            Options.Create(new RateLimitOptions { PerUserBurst = 100, PerUserPerMinute = 1000 }),
            services.GetRequiredService<IOptionsMonitor<BillingOptions>>(),
            services.GetRequiredService<CreditCache>(),
            time);
        const string user = "o-midnight";

        Assert.Equal(AdmissionOutcome.Enqueued, (await admission.AdmitAsync(BillingApiFixture.AppId, $"{user}:1", user, 1, "晚上好")).Outcome);
        Assert.Equal(AdmissionOutcome.OverQuota, (await admission.AdmitAsync(BillingApiFixture.AppId, $"{user}:2", user, 2, "还在吗")).Outcome);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(AdmissionOutcome.Enqueued, (await admission.AdmitAsync(BillingApiFixture.AppId, $"{user}:3", user, 3, "早上好")).Outcome);
        Assert.Equal(AdmissionOutcome.OverQuota, (await admission.AdmitAsync(BillingApiFixture.AppId, $"{user}:4", user, 4, "再来")).Outcome);

        Assert.Equal(1, (long)await api.Redis.StringGetAsync(BillingKeys.FreeUsed(TestShards.Of(user), BillingApiFixture.AppId, user, new DateOnly(2026, 12, 1))));
        Assert.Equal(1, (long)await api.Redis.StringGetAsync(BillingKeys.FreeUsed(TestShards.Of(user), BillingApiFixture.AppId, user, new DateOnly(2026, 12, 2))));
    }

    private async Task<string> AskAsync(int replica, string openId, string content, long? msgId = null)
    {
        var (status, body) = await WeChatClient.SendAsync(api.WeChat(replica).PostPlainAsync(WeChatClient.Text(openId, msgId ?? Interlocked.Increment(ref _msgId), content)));
        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}\n{api.Apis[replica].Output}");
        return WeChatClient.ReplyContent(body);
    }

    /// <summary>The charge of every job the user has on the stream.</summary>
    private async Task<List<string?>> JobsOfAsync(string openId)
    {
        var entries = await api.Redis.JobEntriesAsync();
        return entries.Select(e => (Job: AiJob.FromStreamEntry(e), Entry: e))
            .Where(j => j.Job.OpenId == openId)
            .Select(j => j.Job.Charge)
            .ToList();
    }
}
