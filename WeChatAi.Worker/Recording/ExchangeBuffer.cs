using System.Text.Json;
using System.Text.Json.Serialization;
using StackExchange.Redis;
using WeChatAi.Core.Redis;
using WeChatAi.Core.Data;

namespace WeChatAi.Worker.Recording;

/// <summary>
/// Exchanges that could not be written while PostgreSQL was down, waiting in the Redis stream <see cref="Key"/> (as
/// durable as the job queue) until a worker writes them. A stream rather than a list: each drainer deletes exactly
/// the entries it wrote (XDEL by id), so two workers draining at once duplicate a write, never lose an entry.
/// </summary>
internal sealed class ExchangeBuffer(IConnectionMultiplexer redis)
{
    public const string Key = "wechatai:recording:buffer";

    private const string Field = "exchange";

    private static readonly RedisScript<AddCall> AddScript = RedisScript.Load<AddCall>(typeof(ExchangeBuffer), "ExchangeBuffer.Add.lua");

    /// <summary>Adds what fits under <paramref name="capacity"/> entries; returns how many were added.</summary>
    public async Task<int> AddAsync(IReadOnlyList<ChatExchange> rows, int capacity)
    {
        RedisValue[] exchanges = [.. rows.Select(r => (RedisValue)JsonSerializer.SerializeToUtf8Bytes(r, BufferJson.Default.ChatExchange))];
        return (int)(long)await AddScript.EvaluateAsync(redis.GetDatabase(), new AddCall(Key, capacity, exchanges));
    }

    /// <summary>The oldest <paramref name="count"/> entries; an entry that is not an exchange comes back with a null row.</summary>
    public async Task<IReadOnlyList<(RedisValue Id, ChatExchange? Row)>> ReadAsync(int count)
    {
        var entries = await redis.GetDatabase().StreamRangeAsync(Key, "-", "+", count);
        return entries.Select(e => (e.Id, Parse(e[Field]))).ToList();
    }

    public Task<long> DeleteAsync(RedisValue[] ids) => redis.GetDatabase().StreamDeleteAsync(Key, ids);

    /// <param name="Capacity">The most entries the buffer may hold.</param>
    private sealed record AddCall(RedisKey Buffer, int Capacity, IReadOnlyList<RedisValue> Exchanges);

    private static ChatExchange? Parse(RedisValue json)
    {
        if (json.IsNullOrEmpty)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(((ReadOnlyMemory<byte>)json).Span, BufferJson.Default.ChatExchange);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSerializable(typeof(ChatExchange))]
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
internal sealed partial class BufferJson : JsonSerializerContext;
