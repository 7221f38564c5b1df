using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;
using WeChatAi.Core.Redis;
using System.Text.Json.Serialization;
using WeChatAi.Core.Data;
using WeChatAi.Core.Queue;

namespace WeChatAi.Worker.Common;

/// <summary>
/// One job's progress in Redis (hash <see cref="WorkerKeys.Job"/>), what makes processing it again after a crash
/// safe: the attempts so far, the generated answer (a retry sends the same text instead of asking the LLM again),
/// the pending parts it took over and a marker per part: <c>sending:{attempt}:{id}</c> while its request goes out,
/// <c>sent</c> once WeChat took it, <c>unknown</c> when a living worker saw the request leave but no answer come back.
/// Nothing else reads or writes the hash.
/// </summary>
internal sealed class JobState
{
    private static readonly TimeSpan ActiveTtl = TimeSpan.FromDays(3);
    private static readonly TimeSpan FinishedTtl = TimeSpan.FromHours(6);

    private static readonly RedisScript<BeginAttemptCall> BeginAttemptScript = Load<BeginAttemptCall>("BeginAttempt");
    private static readonly RedisScript<StoreAnswerCall> StoreAnswerScript = Load<StoreAnswerCall>("StoreAnswer");
    private static readonly RedisScript<StoreQuestionCall> StoreQuestionScript = Load<StoreQuestionCall>("StoreQuestion");
    private static readonly RedisScript<PendingCall> TakePendingScript = Load<PendingCall>("TakePending");
    private static readonly RedisScript<ClaimPartCall> ClaimPartScript = Load<ClaimPartCall>("ClaimPart");
    private static readonly RedisScript<DeferCall> DeferScript = Load<DeferCall>("Defer");

    private readonly IDatabase _db;
    private readonly RedisKey _key;
    private Dictionary<string, string> _fields = new(StringComparer.Ordinal);
    private readonly string _processing = Guid.NewGuid().ToString("N")[..8];

    public JobState(IDatabase db, JobShard shard, string jobId)
    {
        _db = db;
        Shard = shard;
        _key = WorkerKeys.Job(shard, jobId);
    }

    /// <summary>The job's user's shard: every key a script of this state touches is in its slot.</summary>
    public JobShard Shard { get; }

    /// <summary>The job's hash: what asks its master for the replicas' acknowledgement.</summary>
    public RedisKey Key => _key;

    public StoredAnswer? Answer =>
        _fields.TryGetValue("answer", out var answer)
            ? new StoredAnswer(answer, Int("prompt_tokens"), Int("completion_tokens"), _fields.GetValueOrDefault("reasoning"))
            {
                SafetyDecisions = Decisions(_fields.GetValueOrDefault("safety")),
            }
            : null;

    /// <summary>The question a media job came down to (a voice file's transcription), once an attempt stored it.</summary>
    public string? Question => _fields.GetValueOrDefault("question");

    public bool IsDeferred => _fields.ContainsKey("deferred");

    public bool IsMemorized => _fields.ContainsKey("memorized");

    /// <summary>The user's pending parts this job took over (JSON array), if it did.</summary>
    public string? TakenOverParts => _fields.GetValueOrDefault("prefix");

    /// <summary>
    /// Counts the attempt and loads what earlier attempts stored; returns the attempt's number. A job retried from a
    /// dead letter (<paramref name="retry"/>) starts counting again from 1.
    /// </summary>
    public async Task<int> BeginAttemptAsync(DeadLetterRetry? retry = null)
    {
        var entries = (RedisValue[])(await BeginAttemptScript.EvaluateAsync(_db,
            new BeginAttemptCall(_key, (long)ActiveTtl.TotalMilliseconds, retry?.DeadLetterId ?? "", retry?.Answer ?? "", retry?.TakenOverParts ?? "")))!;
        _fields = new Dictionary<string, string>(entries.Length / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < entries.Length; i += 2)
        {
            _fields[entries[i].ToString()] = entries[i + 1].ToString();
        }

        return Int("attempts");
    }

    /// <summary>Attempts made before the operator's retries of this job's dead letters (0 for a job never retried).</summary>
    public int EarlierAttempts => Int("earlier_attempts");

    /// <summary>Attempts so far that ended in a failure (the others before this one were cut off by their worker dying).</summary>
    public int Failures => Int("failures");

    /// <summary>This attempt failed; returns the failures so far.</summary>
    public async Task<int> RecordFailureAsync()
    {
        var failures = (int)await _db.HashIncrementAsync(_key, "failures");
        _fields["failures"] = failures.ToString(CultureInfo.InvariantCulture);
        return failures;
    }

    /// <summary>Stores the answer unless another attempt stored one first; returns the one that counts.</summary>
    public async Task<StoredAnswer> StoreAnswerAsync(StoredAnswer answer)
    {
        var values = (RedisValue[])(await StoreAnswerScript.EvaluateAsync(_db, new StoreAnswerCall(
            _key, answer.Text, answer.PromptTokens, answer.CompletionTokens, answer.ReasoningSummary ?? string.Empty,
            JsonSerializer.Serialize(answer.SafetyDecisions, StateJson.Default.IReadOnlyListSafetyDecision))))!;
        var stored = new StoredAnswer(values[0].ToString(), (int)values[1], (int)values[2], values[3].IsNull ? null : values[3].ToString())
        {
            SafetyDecisions = Decisions(values[4]),
        };
        _fields["answer"] = stored.Text;
        _fields["safety"] = values[4].ToString();
        return stored;
    }

    /// <summary>Stores the question unless another attempt stored one first; returns the one that counts.</summary>
    public async Task<string> StoreQuestionAsync(string question)
    {
        var stored = (string)(await StoreQuestionScript.EvaluateAsync(_db, new StoreQuestionCall(_key, question)))!;
        _fields["question"] = stored;
        return stored;
    }

    /// <summary>Sets a once-per-job marker (<c>memorized</c>, <c>apology</c>); false if an earlier attempt set it.</summary>
    public async Task<bool> TryMarkAsync(string field)
    {
        var marked = await _db.HashSetAsync(_key, field, "1", When.NotExists);
        _fields[field] = "1";
        return marked;
    }

    public async Task<IReadOnlyList<string>> TakePendingAsync(RedisKey pendingKey)
    {
        var json = (string)(await TakePendingScript.EvaluateAsync(_db, new PendingCall(_key, pendingKey)))!;
        _fields["prefix"] = json;
        return JsonSerializer.Deserialize<string[]>(json) ?? [];
    }

    /// <summary>WeChat took the part (<c>sent</c>), or a living worker saw its request leave without an answer (<c>unknown</c>).</summary>
    public bool IsPartSettled(int index) => _fields.GetValueOrDefault(PartField(index)) is "sent" or "unknown";

    /// <summary>
    /// Claims part <paramref name="index"/> for this attempt, to be called with its request about to go out: takes
    /// one message of the user's budget, or takes over the claim of an earlier attempt that died while sending it.
    /// </summary>
    public async Task<PartClaim> ClaimPartAsync(int index, RedisKey budgetKey)
    {
        // Unique to this attempt, also across a dead letter's retry (which numbers attempts from 1 again).
        var marker = $"sending:{_fields.GetValueOrDefault("attempts", "0")}:{_processing}";
        var claim = (long)await ClaimPartScript.EvaluateAsync(_db, new ClaimPartCall(_key, budgetKey, PartField(index), marker)) switch
        {
            1 => PartClaim.Claimed,
            2 => PartClaim.TakenOver,
            0 => PartClaim.NoBudget,
            _ => PartClaim.AlreadyClaimed,
        };
        if (claim is PartClaim.Claimed or PartClaim.TakenOver)
        {
            _fields[PartField(index)] = marker;
        }

        return claim;
    }

    public Task MarkSentAsync(int index) => SetPartAsync(index, "sent");

    /// <summary>The request left and no answer came: never sent again (WeChat most likely has it).</summary>
    public Task MarkUnknownAsync(int index) => SetPartAsync(index, "unknown");

    /// <summary>The part was definitely not delivered: a later attempt may send it.</summary>
    public Task ReleasePartAsync(int index)
    {
        _fields.Remove(PartField(index));
        return _db.HashDeleteAsync(_key, PartField(index));
    }

    /// <summary>Queues <paramref name="parts"/> for the user's next message, once per job.</summary>
    public async Task DeferAsync(RedisKey pendingKey, IEnumerable<string> parts, TimeSpan pendingTtl)
    {
        await DeferScript.EvaluateAsync(_db, new DeferCall(_key, pendingKey, (long)pendingTtl.TotalMilliseconds, [.. parts.Select(p => (RedisValue)p)]));
        _fields["deferred"] = "1";
    }

    /// <summary>The job is done (acknowledged): keep its record a little while, then let Redis forget it.</summary>
    public Task FinishAsync(IDatabaseAsync? batch = null) => (batch ?? _db).KeyExpireAsync(_key, FinishedTtl);

    /// <summary>
    /// The job was dead-lettered: its answer, taken-over parts and part markers are kept as long as the dead letter
    /// (<paramref name="ttl"/>), so a retry sends what is missing and nothing twice.
    /// </summary>
    public Task KeepAsync(TimeSpan ttl) => _db.KeyExpireAsync(_key, ttl);

    private Task<bool> SetPartAsync(int index, string status)
    {
        _fields[PartField(index)] = status;
        return _db.HashSetAsync(_key, PartField(index), status);
    }

    // Answers stored before content safety existed, or restored from a dead letter, have none.
    private static IReadOnlyList<SafetyDecision> Decisions(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize(json, StateJson.Default.IReadOnlyListSafetyDecision) ?? [];

    private static string PartField(int index) => "part:" + index.ToString(CultureInfo.InvariantCulture);

    private int Int(string field) =>
        _fields.TryGetValue(field, out var value) && int.TryParse(value, CultureInfo.InvariantCulture, out var number) ? number : 0;

    private static RedisScript<TCall> Load<TCall>(string name) => RedisScript.Load<TCall>(typeof(JobState), $"JobState.{name}.lua");

    /// <param name="RetryOf">For a job retried from a dead letter, the dead letter's id ('' otherwise), with the answer and
    /// the taken-over parts it kept ('' for none).</param>
    private sealed record BeginAttemptCall(RedisKey Job, long TtlMs, string RetryOf, string Answer, string TakenOverParts);

    /// <param name="Reasoning">The reasoning summary ('' for none).</param>
    /// <param name="Safety">The safety decisions (JSON).</param>
    private sealed record StoreAnswerCall(RedisKey Job, string Answer, int PromptTokens, int CompletionTokens, string Reasoning, string Safety);

    private sealed record StoreQuestionCall(RedisKey Job, string Question);

    /// <param name="Pending">The user's pending list.</param>
    private sealed record PendingCall(RedisKey Job, RedisKey Pending);

    /// <param name="Budget">The user's budget (<c>MessageBudget</c>'s hash).</param>
    /// <param name="Field">The part's field.</param>
    /// <param name="Marker">This attempt's <c>sending:{attempt}:{id}</c>.</param>
    private sealed record ClaimPartCall(RedisKey Job, RedisKey Budget, string Field, string Marker);

    private sealed record DeferCall(RedisKey Job, RedisKey Pending, long TtlMs, IReadOnlyList<RedisValue> Parts);
}

[JsonSerializable(typeof(IReadOnlyList<SafetyDecision>))]
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
internal sealed partial class StateJson : JsonSerializerContext;

internal enum PartClaim
{
    Claimed,

    /// <summary>An earlier attempt claimed it and died before it knew what WeChat did: this attempt sends it again.</summary>
    TakenOver,
    NoBudget,
    AlreadyClaimed,
}
