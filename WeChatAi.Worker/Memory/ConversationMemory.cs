using WeChatAi.Core.Redis;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Memory;

namespace WeChatAi.Worker.Memory;

/// <summary>
/// The user's last questions and answers in a Redis list (shared by every worker), forgotten after
/// <see cref="MemoryOptions.TtlHours"/> without a message; <see cref="JobCommands.Reset"/> clears it.
/// </summary>
internal sealed class ConversationMemory(IConnectionMultiplexer redis, JobShards shards, IOptions<MemoryOptions> options)
{
    private const string UserPrefix = "u:";
    private const string AssistantPrefix = "a:";

    /// <summary>The most recent turns that fit the token budget, oldest first, starting with a question.</summary>
    public async Task<IReadOnlyList<ChatMessage>> LoadAsync(AiJob job)
    {
        var settings = options.Value;
        if (settings.MaxMessages == 0 || settings.MaxTokens == 0)
        {
            return [];
        }

        var entries = await redis.GetDatabase().ListRangeAsync(Key(job), -settings.MaxMessages, -1);
        var messages = new List<ChatMessage>();
        var tokens = 0;
        for (var i = entries.Length - 1; i >= 0; i--)
        {
            var entry = entries[i].ToString();
            var text = entry.Length > 2 ? entry[2..] : string.Empty;
            tokens += TokenEstimate.Of(text);
            if (tokens > settings.MaxTokens)
            {
                break;
            }

            messages.Add(new ChatMessage(entry.StartsWith(UserPrefix, StringComparison.Ordinal) ? ChatRole.User : ChatRole.Assistant, text));
        }

        messages.Reverse();
        while (messages.Count > 0 && messages[0].Role != ChatRole.User)
        {
            messages.RemoveAt(0);
        }

        return messages;
    }

    public async Task AppendAsync(AiJob job, string question, string answer)
    {
        var settings = options.Value;
        if (settings.MaxMessages == 0)
        {
            return;
        }

        var db = redis.GetDatabase();
        var key = Key(job);
        // One MULTI/EXEC: a turn is remembered trimmed and with its expiry, or not at all.
        var transaction = db.CreateTransaction();
        var push = transaction.ListRightPushAsync(key, [UserPrefix + question, AssistantPrefix + answer]);
        var trim = transaction.ListTrimAsync(key, -settings.MaxMessages, -1);
        var expire = transaction.KeyExpireAsync(key, TimeSpan.FromHours(settings.TtlHours));
        await transaction.ExecuteAsync();
        await Task.WhenAll(push, trim, expire);
    }

    public Task ClearAsync(AiJob job) => redis.GetDatabase().KeyDeleteAsync(Key(job));

    private RedisKey Key(AiJob job) => MemoryKeys.Memory(shards.Of(job.OpenId), job.AppId, job.OpenId);
}
