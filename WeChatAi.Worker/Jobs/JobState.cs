using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;

namespace WeChatAi.Worker.Jobs;

/// <summary>
/// One job's progress in Redis (hash <see cref="WorkerKeys.Job"/>), what makes processing it again after a crash
/// safe: the attempts so far, the generated answer (a retry sends the same text instead of asking the LLM again),
/// the pending parts it took over and a marker per part (<c>sending</c> before the push, <c>sent</c> after).
/// </summary>
internal sealed class JobState
{
    public static readonly TimeSpan ActiveTtl = TimeSpan.FromDays(3);
    public static readonly TimeSpan FinishedTtl = TimeSpan.FromHours(6);

    private const string BeginAttemptScript = """
        redis.call('HINCRBY', KEYS[1], 'attempts', 1)
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        return redis.call('HGETALL', KEYS[1])
        """;

    private const string StoreAnswerScript = """
        if redis.call('HSETNX', KEYS[1], 'answer', ARGV[1]) == 1 then
          redis.call('HSET', KEYS[1], 'prompt_tokens', ARGV[2], 'completion_tokens', ARGV[3])
        end
        return redis.call('HMGET', KEYS[1], 'answer', 'prompt_tokens', 'completion_tokens')
        """;

    // Moves the user's pending parts into this job once: a crash between the two steps cannot lose or duplicate them.
    private const string TakePendingScript = """
        local taken = redis.call('HGET', KEYS[1], 'prefix')
        if taken then return taken end
        local parts = redis.call('LRANGE', KEYS[2], 0, -1)
        redis.call('DEL', KEYS[2])
        local json = '[]'
        if #parts > 0 then json = cjson.encode(parts) end
        redis.call('HSET', KEYS[1], 'prefix', json)
        return json
        """;

    private const string DeferScript = """
        if redis.call('HSETNX', KEYS[1], 'deferred', '1') == 1 then
          for i = 2, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
          redis.call('PEXPIRE', KEYS[2], ARGV[1])
          return 1
        end
        return 0
        """;

    private readonly IDatabase _db;
    private readonly RedisKey _key;
    private Dictionary<string, string> _fields = new(StringComparer.Ordinal);

    public JobState(IDatabase db, string jobId)
    {
        _db = db;
        _key = WorkerKeys.Job(jobId);
    }

    public async Task<int> BeginAttemptAsync()
    {
        var entries = (RedisValue[])(await _db.ScriptEvaluateAsync(BeginAttemptScript, [_key], [(long)ActiveTtl.TotalMilliseconds]))!;
        _fields = new Dictionary<string, string>(entries.Length / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < entries.Length; i += 2)
        {
            _fields[entries[i].ToString()] = entries[i + 1].ToString();
        }

        return Int("attempts");
    }

    public RedisKey Key => _key;

    /// <summary>Records that the part is being sent (the caller claimed it atomically, see <c>MessageBudget</c>).</summary>
    public void NoteSending(int index) => _fields[PartField(index)] = "sending";

    public static string PartField(int index) => "part:" + index.ToString(CultureInfo.InvariantCulture);

    public StoredAnswer? Answer =>
        _fields.TryGetValue("answer", out var answer)
            ? new StoredAnswer(answer, Int("prompt_tokens"), Int("completion_tokens"))
            : null;

    public bool IsDeferred => _fields.ContainsKey("deferred");

    public bool IsMemorized => _fields.ContainsKey("memorized");

    /// <summary>Stores the answer unless another attempt stored one first; returns the one that counts.</summary>
    public async Task<StoredAnswer> StoreAnswerAsync(StoredAnswer answer)
    {
        var values = (RedisValue[])(await _db.ScriptEvaluateAsync(StoreAnswerScript, [_key],
            [answer.Text, answer.PromptTokens, answer.CompletionTokens]))!;
        var stored = new StoredAnswer(values[0].ToString(), (int)values[1], (int)values[2]);
        _fields["answer"] = stored.Text;
        return stored;
    }

    public async Task<bool> TryMarkAsync(string field)
    {
        var marked = await _db.HashSetAsync(_key, field, "1", When.NotExists);
        _fields[field] = "1";
        return marked;
    }

    public async Task<IReadOnlyList<string>> TakePendingAsync(RedisKey pendingKey)
    {
        var json = (string)(await _db.ScriptEvaluateAsync(TakePendingScript, [_key, pendingKey]))!;
        return JsonSerializer.Deserialize<string[]>(json) ?? [];
    }

    public string? PartStatus(int index) => _fields.GetValueOrDefault(PartField(index));

    public Task MarkSentAsync(int index)
    {
        _fields[PartField(index)] = "sent";
        return _db.HashSetAsync(_key, PartField(index), "sent");
    }

    /// <summary>The part was definitely not delivered: a later attempt may send it.</summary>
    public Task ReleasePartAsync(int index)
    {
        _fields.Remove(PartField(index));
        return _db.HashDeleteAsync(_key, PartField(index));
    }

    /// <summary>Queues <paramref name="parts"/> for the user's next message, once per job.</summary>
    public async Task DeferAsync(RedisKey pendingKey, IEnumerable<string> parts, TimeSpan pendingTtl)
    {
        RedisValue[] args = [(long)pendingTtl.TotalMilliseconds, .. parts.Select(p => (RedisValue)p)];
        await _db.ScriptEvaluateAsync(DeferScript, [_key, pendingKey], args);
        _fields["deferred"] = "1";
    }

    /// <summary>The job is done (acknowledged): keep its record a little while, then let Redis forget it.</summary>
    public Task FinishAsync() => _db.KeyExpireAsync(_key, FinishedTtl);


    private int Int(string field) =>
        _fields.TryGetValue(field, out var value) && int.TryParse(value, CultureInfo.InvariantCulture, out var number) ? number : 0;
}

internal sealed record StoredAnswer(string Text, int PromptTokens, int CompletionTokens);
