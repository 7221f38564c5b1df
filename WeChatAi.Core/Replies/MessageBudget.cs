using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Core.Replies;

/// <summary>
/// WeChat's rule, per user in Redis: after a user message the account may send that user
/// <see cref="WeChatOptions.MessageBudget"/> customer-service messages within
/// <see cref="WeChatOptions.BudgetWindowHours"/> hours. The worker's job start resets it (from <see cref="WindowLeft"/>),
/// as does a message held for a person (<see cref="ResetAsync"/>); each part the worker claims and each operator
/// reply takes one message.
/// </summary>
public sealed class MessageBudget(IConnectionMultiplexer redis, JobShards shards, IOptions<WeChatOptions> options, TimeProvider time)
{
    private static readonly RedisScript<BudgetCall> ConsumeScript = RedisScript.Load<BudgetCall>(typeof(MessageBudget), "MessageBudget.Consume.lua");
    private static readonly RedisScript<BudgetCall> RefundScript = RedisScript.Load<BudgetCall>(typeof(MessageBudget), "MessageBudget.Refund.lua");
    private static readonly RedisScript<BudgetCall> ExhaustScript = RedisScript.Load<BudgetCall>(typeof(MessageBudget), "MessageBudget.Exhaust.lua");
    private static readonly RedisScript<ResetCall> ResetScript = RedisScript.Load<ResetCall>(typeof(MessageBudget), "MessageBudget.Reset.lua");

    /// <summary>The messages a user message opens (<see cref="WeChatOptions.MessageBudget"/>).</summary>
    public int Messages => options.Value.MessageBudget;

    /// <summary>
    /// How long the budget <paramref name="job"/>'s message opened lasts from now (zero or less: its window closed).
    /// Only a message newer than the one the budget was last reset for resets it: a job processed again after a crash,
    /// or an older job finishing late, does not hand out more messages than WeChat allows.
    /// </summary>
    public TimeSpan WindowLeft(AiJob job) => WindowLeft(job.ReceivedAtUnixMs);

    public Task<bool> TryConsumeAsync(AiJob job) => TryConsumeAsync(job.AppId, job.OpenId);

    /// <summary>Takes one message of the user's budget; false when none is left (or the window closed: no budget).</summary>
    public async Task<bool> TryConsumeAsync(string appId, string openId) =>
        (long)await ConsumeScript.EvaluateAsync(redis.GetDatabase(), new BudgetCall(Key(appId, openId))) == 1;

    public Task RefundAsync(AiJob job) => RefundAsync(job.AppId, job.OpenId);

    public Task RefundAsync(string appId, string openId) => RefundScript.EvaluateAsync(redis.GetDatabase(), new BudgetCall(Key(appId, openId)));

    /// <summary>WeChat says the user's quota is used up (45047) or the window closed (45015).</summary>
    public Task ExhaustAsync(AiJob job) => ExhaustAsync(job.AppId, job.OpenId);

    /// <inheritdoc cref="ExhaustAsync(AiJob)"/>
    public Task ExhaustAsync(string appId, string openId) => ExhaustScript.EvaluateAsync(redis.GetDatabase(), new BudgetCall(Key(appId, openId)));

    /// <summary>A user message that no job starts for (held for a person) opens the budget as a job's start would.</summary>
    public Task ResetAsync(string appId, string openId, DateTimeOffset receivedAt) =>
        ResetScript.EvaluateAsync(redis.GetDatabase(), new ResetCall(
            Key(appId, openId), receivedAt.ToUnixTimeMilliseconds(), Messages, Math.Max(0, (long)WindowLeft(receivedAt.ToUnixTimeMilliseconds()).TotalMilliseconds)));

    public static RedisKey Key(JobShard shard, AiJob job) => ReplyKeys.Budget(shard, job.AppId, job.OpenId);

    private TimeSpan WindowLeft(long receivedAtUnixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(receivedAtUnixMs) + TimeSpan.FromHours(options.Value.BudgetWindowHours) - time.GetUtcNow();

    private RedisKey Key(string appId, string openId) => ReplyKeys.Budget(shards.Of(openId), appId, openId);

    private sealed record BudgetCall(RedisKey Budget);

    private sealed record ResetCall(RedisKey Budget, long ReceivedAt, int BudgetMessages, long BudgetTtlMs);
}
