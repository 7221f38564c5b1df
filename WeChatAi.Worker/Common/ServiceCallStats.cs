using StackExchange.Redis;
using WeChatAi.Core.Stats;

namespace WeChatAi.Worker.Common;

/// <summary>
/// Counts the worker's calls of the LLM and of WeChat's API, and their failures, per minute in Redis
/// (<see cref="StatsKeys.Calls"/>), and the LLM's tokens per China day (<see cref="StatsKeys.Minutes"/>), for the
/// console's overview. Fire and forget: the figures are for watching, so no job waits for them or fails on them.
/// </summary>
internal sealed class ServiceCallStats(IConnectionMultiplexer redis, TimeProvider time)
{
    /// <summary>One answer of the chat or vision model (after the HTTP retries), with the tokens it took.</summary>
    public void LlmCall(bool failed, int promptTokens = 0, int completionTokens = 0)
    {
        var now = time.GetUtcNow();
        Send(db =>
        {
            Count(db, now, StatsKeys.LlmService, failed);
            if (promptTokens + completionTokens > 0)
            {
                var day = StatsKeys.Minutes(now);
                db.HashIncrement(day, StatsKeys.PromptTokensField, promptTokens, CommandFlags.FireAndForget);
                db.HashIncrement(day, StatsKeys.CompletionTokensField, completionTokens, CommandFlags.FireAndForget);
                db.KeyExpire(day, StatsKeys.MinutesRetention, CommandFlags.FireAndForget);
            }
        });
    }

    /// <summary>One customer-service message sent to WeChat's API.</summary>
    public void WeChatApiCall(bool failed)
    {
        var now = time.GetUtcNow();
        Send(db => Count(db, now, StatsKeys.WeChatApiService, failed));
    }

    private static void Count(IDatabase db, DateTimeOffset now, string service, bool failed)
    {
        var minute = StatsKeys.Calls(now);
        db.HashIncrement(minute, StatsKeys.CallsField(service), 1, CommandFlags.FireAndForget);
        if (failed)
        {
            db.HashIncrement(minute, StatsKeys.ErrorsField(service), 1, CommandFlags.FireAndForget);
        }

        db.KeyExpire(minute, StatsKeys.CallsRetention, CommandFlags.FireAndForget);
    }

    private void Send(Action<IDatabase> commands)
    {
        try
        {
            commands(redis.GetDatabase());
        }
        catch (RedisException)
        {
            // Redis away: these minutes go uncounted; the job itself goes on (or waits for Redis where it must).
        }
    }
}
