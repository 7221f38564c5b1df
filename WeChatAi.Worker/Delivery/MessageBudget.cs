using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Core.WeChat;
using WeChatAi.Worker.Common;

namespace WeChatAi.Worker.Delivery;

/// <summary>
/// WeChat's rule, per user in Redis: after a user message the account may send that user
/// <see cref="WeChatOptions.MessageBudget"/> customer-service messages within
/// <see cref="WeChatOptions.BudgetWindowHours"/> hours. Each attempt's <see cref="JobState.StartAsync"/> resets it
/// (from <see cref="WindowLeft"/>), and the job's <see cref="JobState.ClaimPartAsync"/> takes one message with each part
/// it claims.
/// </summary>
internal sealed class MessageBudget(IConnectionMultiplexer redis, JobShards shards, IOptions<WeChatOptions> options, TimeProvider time)
{
    private static readonly RedisScript<BudgetCall> ConsumeScript = RedisScript.Load<BudgetCall>(typeof(MessageBudget), "MessageBudget.Consume.lua");
    private static readonly RedisScript<BudgetCall> RefundScript = RedisScript.Load<BudgetCall>(typeof(MessageBudget), "MessageBudget.Refund.lua");
    private static readonly RedisScript<BudgetCall> ExhaustScript = RedisScript.Load<BudgetCall>(typeof(MessageBudget), "MessageBudget.Exhaust.lua");

    /// <summary>The messages a user message opens (<see cref="WeChatOptions.MessageBudget"/>).</summary>
    public int Messages => options.Value.MessageBudget;

    /// <summary>
    /// How long the budget <paramref name="job"/>'s message opened lasts from now (zero or less: its window closed).
    /// Only a message newer than the one the budget was last reset for resets it: a job processed again after a crash,
    /// or an older job finishing late, does not hand out more messages than WeChat allows.
    /// </summary>
    public TimeSpan WindowLeft(AiJob job) =>
        DateTimeOffset.FromUnixTimeMilliseconds(job.ReceivedAtUnixMs) + TimeSpan.FromHours(options.Value.BudgetWindowHours) - time.GetUtcNow();

    public async Task<bool> TryConsumeAsync(AiJob job) =>
        (long)await ConsumeScript.EvaluateAsync(redis.GetDatabase(), new BudgetCall(Key(job))) == 1;

    public Task RefundAsync(AiJob job) => RefundScript.EvaluateAsync(redis.GetDatabase(), new BudgetCall(Key(job)));

    /// <summary>WeChat says the user's quota is used up (45047) or the window closed (45015).</summary>
    public Task ExhaustAsync(AiJob job) => ExhaustScript.EvaluateAsync(redis.GetDatabase(), new BudgetCall(Key(job)));

    public static RedisKey Key(JobShard shard, AiJob job) => WorkerKeys.Budget(shard, job.AppId, job.OpenId);

    private RedisKey Key(AiJob job) => Key(shards.Of(job.OpenId), job);

    private sealed record BudgetCall(RedisKey Budget);
}
