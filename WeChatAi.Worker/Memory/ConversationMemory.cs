using WeChatAi.Core.Redis;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Memory;
using WeChatAi.Worker.Common;

namespace WeChatAi.Worker.Memory;

/// <summary>
/// The user's last questions and answers in a Redis list (shared by every worker), forgotten after
/// <see cref="MemoryOptions.TtlHours"/> without a message; <see cref="JobCommands.Reset"/> clears it.
/// </summary>
internal sealed class ConversationMemory(IConnectionMultiplexer redis, JobShards shards, IOptions<MemoryOptions> options)
{
    private const string UserPrefix = "u:";
    private const string AssistantPrefix = "a:";

    /// <summary>The entries an attempt reads (<see cref="JobState.StartAsync"/>) for <see cref="History"/>: 0 with memory off.</summary>
    public int EntriesToRead => options.Value is { MaxMessages: > 0, MaxTokens: > 0 } settings ? settings.MaxMessages : 0;

    /// <summary>The most recent turns of <paramref name="entries"/> (the list's last ones) that fit the token budget, oldest first, starting with a question.</summary>
    public IReadOnlyList<ChatMessage> History(RedisValue[] entries)
    {
        var settings = options.Value;
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

    /// <summary>The turn as the memory keeps it, for the call that stores the answer (null with memory off).</summary>
    public RememberedTurn? Turn(string question, string answer) =>
        options.Value is { MaxMessages: > 0 } settings
            ? new RememberedTurn(UserPrefix + question, AssistantPrefix + answer, settings.MaxMessages, TimeSpan.FromHours(settings.TtlHours))
            : null;

    /// <summary>Remembers a turn on its own (an answer an earlier attempt stored): what the storing call does for a new one.</summary>
    public async Task AppendAsync(AiJob job, string question, string answer)
    {
        if (Turn(question, answer) is not { } turn)
        {
            return;
        }

        var db = redis.GetDatabase();
        var key = Key(job);
        // One MULTI/EXEC: a turn is remembered trimmed and with its expiry, or not at all.
        var transaction = db.CreateTransaction();
        var push = transaction.ListRightPushAsync(key, [turn.Question, turn.Answer]);
        var trim = transaction.ListTrimAsync(key, -turn.MaxEntries, -1);
        var expire = transaction.KeyExpireAsync(key, turn.Ttl);
        await transaction.ExecuteAsync();
        await Task.WhenAll(push, trim, expire);
    }

    public Task ClearAsync(AiJob job) => redis.GetDatabase().KeyDeleteAsync(Key(job));

    private RedisKey Key(AiJob job) => MemoryKeys.Memory(shards.Of(job.OpenId), job.AppId, job.OpenId);
}
