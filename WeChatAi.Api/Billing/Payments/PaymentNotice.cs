using System.Diagnostics;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;

namespace WeChatAi.Api.Billing.Payments;

/// <summary>"充值成功" to the payer, as a notice job on the queue: the worker pushes it, never the notify request.</summary>
internal sealed class PaymentNotice(IConnectionMultiplexer redis, JobShards shards, TimeProvider time)
{
    public async Task PaidAsync(Core.Data.Billing.Order order)
    {
        // The negative order id keeps the notice's job id apart from WeChat's (positive) message ids, and one per order.
        var job = new AiJob(order.AppId, order.OpenId, -order.Id, Text(order), time.GetUtcNow().ToUnixTimeMilliseconds(), Activity.Current?.Id, null)
        {
            Notice = true,
        };
        // On the payer's shard, like their messages: the notice keeps its place among their answers.
        await redis.GetDatabase().StreamAddAsync(QueueKeys.JobStream(shards.Of(order.OpenId)), job.ToStreamEntry());
    }

    public static string Text(Core.Data.Billing.Order order) =>
        $"充值成功：{order.ProductName}，{order.Credits} 次提问已到账，{order.ValidityDays} 天内有效。";
}
