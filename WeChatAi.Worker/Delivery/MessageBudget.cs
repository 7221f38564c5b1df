using Microsoft.Extensions.Options;
using StackExchange.Redis;
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
internal sealed class MessageBudget(IConnectionMultiplexer redis, IOptions<WeChatOptions> options, TimeProvider time)
{
    // KEYS: the budget. ARGV: the message's received_at (ms), the budget, TTL (ms).
    // Only a message newer than the one the budget was last reset for resets it: a job processed again after a
    // crash, or an older job finishing late, does not hand out more messages than WeChat allows.
    private const string ResetScript = """
        local last = tonumber(redis.call('HGET', KEYS[1], 'at') or '0')
        if tonumber(ARGV[1]) > last then
          redis.call('HSET', KEYS[1], 'at', ARGV[1], 'left', ARGV[2])
          redis.call('PEXPIRE', KEYS[1], ARGV[3])
          return 1
        end
        return 0
        """;

    // KEYS: the budget.
    private const string ConsumeScript = """
        local left = tonumber(redis.call('HGET', KEYS[1], 'left') or '0')
        if left > 0 then
          redis.call('HINCRBY', KEYS[1], 'left', -1)
          return 1
        end
        return 0
        """;

    // KEYS: the budget.
    private const string RefundScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HINCRBY', KEYS[1], 'left', 1) end
        return 0
        """;

    // KEYS: the budget.
    private const string ExhaustScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'left', 0) end
        return 0
        """;

    /// <summary>The job is a user message: the user's budget starts again from when it was received.</summary>
    public async Task ResetAsync(AiJob job)
    {
        var window = TimeSpan.FromHours(options.Value.BudgetWindowHours);
        var remaining = DateTimeOffset.FromUnixTimeMilliseconds(job.ReceivedAtUnixMs) + window - time.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            return;
        }

        await redis.GetDatabase().ScriptEvaluateAsync(ResetScript, [Key(job)],
            [job.ReceivedAtUnixMs, options.Value.MessageBudget, (long)remaining.TotalMilliseconds]);
    }

    public async Task<bool> TryConsumeAsync(AiJob job) =>
        (long)await redis.GetDatabase().ScriptEvaluateAsync(ConsumeScript, [Key(job)]) == 1;

    public Task RefundAsync(AiJob job) => redis.GetDatabase().ScriptEvaluateAsync(RefundScript, [Key(job)]);

    /// <summary>WeChat says the user's quota is used up (45047) or the window closed (45015).</summary>
    public Task ExhaustAsync(AiJob job) => redis.GetDatabase().ScriptEvaluateAsync(ExhaustScript, [Key(job)]);

    public static RedisKey Key(AiJob job) => WorkerKeys.Budget(job.AppId, job.OpenId);
}
