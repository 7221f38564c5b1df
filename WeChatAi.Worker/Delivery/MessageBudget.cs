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
/// <see cref="WeChatOptions.BudgetWindowHours"/> hours. The
/// job's <see cref="JobState.ClaimPartAsync"/> takes one message with each part it claims.
/// </summary>
internal sealed class MessageBudget(IConnectionMultiplexer redis, JobShards shards, IOptions<WeChatOptions> options, TimeProvider time)
{
    private static readonly RedisScript<ResetCall> ResetScript = RedisScript.Load<ResetCall>(typeof(MessageBudget), "MessageBudget.Reset.lua");
    private static readonly RedisScript<BudgetCall> ConsumeScript = RedisScript.Load<BudgetCall>(typeof(MessageBudget), "MessageBudget.Consume.lua");
    private static readonly RedisScript<BudgetCall> RefundScript = RedisScript.Load<BudgetCall>(typeof(MessageBudget), "MessageBudget.Refund.lua");
    private static readonly RedisScript<BudgetCall> ExhaustScript = RedisScript.Load<BudgetCall>(typeof(MessageBudget), "MessageBudget.Exhaust.lua");

    /// <summary>The job is a user message: the user's budget starts again from when it was received.</summary>
    public async Task ResetAsync(AiJob job)
    {
        var window = TimeSpan.FromHours(options.Value.BudgetWindowHours);
        var remaining = DateTimeOffset.FromUnixTimeMilliseconds(job.ReceivedAtUnixMs) + window - time.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            return;
        }

        await ResetScript.EvaluateAsync(redis.GetDatabase(),
            new ResetCall(Key(job), job.ReceivedAtUnixMs, options.Value.MessageBudget, (long)remaining.TotalMilliseconds));
    }

    public async Task<bool> TryConsumeAsync(AiJob job) =>
        (long)await ConsumeScript.EvaluateAsync(redis.GetDatabase(), new BudgetCall(Key(job))) == 1;

    public Task RefundAsync(AiJob job) => RefundScript.EvaluateAsync(redis.GetDatabase(), new BudgetCall(Key(job)));

    /// <summary>WeChat says the user's quota is used up (45047) or the window closed (45015).</summary>
    public Task ExhaustAsync(AiJob job) => ExhaustScript.EvaluateAsync(redis.GetDatabase(), new BudgetCall(Key(job)));

    public static RedisKey Key(JobShard shard, AiJob job) => WorkerKeys.Budget(shard, job.AppId, job.OpenId);

    private RedisKey Key(AiJob job) => Key(shards.Of(job.OpenId), job);

    private sealed record BudgetCall(RedisKey Budget);

    /// <param name="ReceivedAt">The message's received_at (Unix ms): only a newer message resets the budget.</param>
    /// <param name="Messages">The budget (<see cref="WeChatOptions.MessageBudget"/>).</param>
    private sealed record ResetCall(RedisKey Budget, long ReceivedAt, int Messages, long TtlMs);
}
