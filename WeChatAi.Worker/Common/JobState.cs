using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;
using WeChatAi.Core.Redis;
using System.Text.Json.Serialization;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Knowledge;
using WeChatAi.Core.Handoff;
using WeChatAi.Core.Memory;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Replies;

namespace WeChatAi.Worker.Common;

/// <summary>
/// One job's progress in Redis (hash <see cref="WorkerKeys.Job"/>), what makes processing it again after a crash
/// safe: the attempts so far, the generated answer (a retry sends the same text instead of asking the LLM again),
/// the pending parts it took over and a marker per part: <c>sending:{attempt}:{id}</c> while its request goes out,
/// <c>sent</c> once WeChat took it, <c>unknown</c> when a living worker saw the request leave but no answer come back.
/// Nothing else reads or writes the hash. A job's common path is three calls: <see cref="StartAsync"/>,
/// <see cref="StoreAnsweredAsync"/> and the completion's (with the <see cref="UnwrittenMarks"/>); the others serve
/// further parts, retries and the rare cases.
/// </summary>
internal sealed class JobState
{
    private static readonly TimeSpan ActiveTtl = TimeSpan.FromDays(3);

    /// <summary>How long a finished (acknowledged) job's record is kept before Redis forgets it.</summary>
    public static readonly TimeSpan FinishedTtl = TimeSpan.FromHours(6);

    private static readonly RedisScript<StartCall> StartScript = Load<StartCall>("Start", PartsLibrary);
    private static readonly RedisScript<AnsweredCall> AnsweredScript = Load<AnsweredCall>("Answered", PartsLibrary);
    private static readonly RedisScript<StoreQuestionCall> StoreQuestionScript = Load<StoreQuestionCall>("StoreQuestion");
    private static readonly RedisScript<PendingCall> TakePendingScript = Load<PendingCall>("TakePending", PartsLibrary);
    private static readonly RedisScript<ClaimPartCall> ClaimPartScript = Load<ClaimPartCall>("ClaimPart", PartsLibrary);
    private static readonly RedisScript<DeferCall> DeferScript = Load<DeferCall>("Defer");

    private const string PartsLibrary = "JobState.Parts.lua";

    private readonly IDatabase _db;
    private readonly RedisKey _key;
    private Dictionary<string, string> _fields = new(StringComparer.Ordinal);
    private readonly string _processing = Guid.NewGuid().ToString("N")[..8];

    // Part markers set here and not yet in Redis (field, value pairs): the next call of this job writes them first.
    private readonly List<RedisValue> _marks = [];

    // Part 0's claim, made by the call that stored the answer (its token already in hand).
    private PartClaim? _firstClaim;

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
                Knowledge = ExchangeKnowledge.FromJson(_fields.GetValueOrDefault("knowledge")),
            }
            : null;

    /// <summary>The question a media job came down to (a voice file's transcription), once an attempt stored it.</summary>
    public string? Question => _fields.GetValueOrDefault("question");

    public bool IsDeferred => _fields.ContainsKey("deferred");

    public bool IsMemorized => _fields.ContainsKey("memorized");

    /// <summary>The user's pending parts this job took over (JSON array), if it did.</summary>
    public string? TakenOverParts => _fields.GetValueOrDefault("prefix");

    /// <summary>
    /// Starts an attempt in one call: with <see cref="AttemptStart.ChecksHandoff"/>, finds the user handed to a person
    /// (<see cref="StartedAttempt.HandedOff"/>, nothing else done); unless <see cref="AttemptStart.TurnEntry"/> is null, checks the job is its user's
    /// oldest unfinished entry (null when it is not: the caller waits for its turn); counts the attempt (a job retried
    /// from a dead letter starts counting again from 1) and loads what earlier attempts stored; writes the
    /// <see cref="UnwrittenMarks"/>; and, as <paramref name="start"/> asks, resets the user's budget, sets the typing
    /// markers and reads the memory (the last two only for a job with no answer yet).
    /// </summary>
    public async Task<StartedAttempt?> StartAsync(AiJob job, AttemptStart start)
    {
        var marks = UnwrittenMarks;
        var retry = start.Retry;
        var reply = (RedisResult[])(await StartScript.EvaluateAsync(_db, new StartCall(
            _key,
            WorkerKeys.Turns(Shard, job.AppId, job.OpenId),
            ReplyKeys.Budget(Shard, job.AppId, job.OpenId),
            WorkerKeys.Typing(Shard, job.AppId, job.OpenId),
            MemoryKeys.Memory(Shard, job.AppId, job.OpenId),
            HandoffKeys.Open(Shard, job.AppId),
            start.ChecksHandoff ? job.OpenId : "",
            start.TurnEntry.IsNull ? RedisValue.EmptyString : start.TurnEntry,
            (long)ActiveTtl.TotalMilliseconds,
            retry?.DeadLetterId ?? "",
            retry?.Answer ?? "",
            retry?.TakenOverParts ?? "",
            job.ReceivedAtUnixMs,
            start.BudgetMessages,
            Math.Max(0, (long)start.BudgetWindowLeft.TotalMilliseconds),
            (long)start.TypingShown.TotalMilliseconds,
            start.MemoryEntries,
            marks)))!;
        switch ((string?)reply[0])
        {
            case "wait":
                return null;
            case "held":
                return StartedAttempt.HandedOff;
        }

        _marks.RemoveRange(0, marks.Count);
        _firstClaim = null;
        var entries = (RedisValue[])reply[1]!;
        _fields = new Dictionary<string, string>(entries.Length / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < entries.Length; i += 2)
        {
            _fields[entries[i].ToString()] = entries[i + 1].ToString();
        }

        return new StartedAttempt(Int("attempts"), (long)reply[2] == 1, (RedisValue[])reply[3]!);
    }

    /// <summary>Attempts made before the operator's retries of this job's dead letters (0 for a job never retried).</summary>
    public int EarlierAttempts => Int("earlier_attempts");

    /// <summary>Attempts so far that ended in a failure (the others before this one were cut off by their worker dying).</summary>
    public int Failures => Int("failures");

    /// <summary>This attempt failed; returns the failures so far.</summary>
    public async Task<int> RecordFailureAsync()
    {
        // What the attempt learnt (a part WeChat took) outlives it, also if the job is given up on now.
        await WriteMarksAsync();
        var failures = (int)await _db.HashIncrementAsync(_key, "failures");
        _fields["failures"] = failures.ToString(CultureInfo.InvariantCulture);
        return failures;
    }

    /// <summary>
    /// Stores the answer unless another attempt stored one first, and only if it did: remembers the turn
    /// (<paramref name="turn"/>, once per job) and, for a push (<paramref name="push"/>), takes over the user's pending
    /// parts and claims part 0 of the pending ones and the <paramref name="answerParts"/> parts after them, in one call.
    /// The claim is then the last step before its request goes out: the caller holds its token already.
    /// </summary>
    /// <returns>The answer that counts, and whether it is this one (false: nothing else was done).</returns>
    public async Task<(StoredAnswer Answer, bool Stored)> StoreAnsweredAsync(AiJob job, StoredAnswer answer, RememberedTurn? turn, bool push, int answerParts)
    {
        var safety = JsonSerializer.Serialize(answer.SafetyDecisions, StateJson.Default.IReadOnlyListSafetyDecision);
        var reply = (RedisValue[])(await AnsweredScript.EvaluateAsync(_db, new AnsweredCall(
            _key,
            MemoryKeys.Memory(Shard, job.AppId, job.OpenId),
            ReplyKeys.Pending(Shard, job.AppId, job.OpenId),
            ReplyKeys.Budget(Shard, job.AppId, job.OpenId),
            answer.Text, answer.PromptTokens, answer.CompletionTokens, answer.ReasoningSummary ?? string.Empty, safety, answer.Knowledge?.ToJson() ?? "",
            turn?.Question ?? "", turn?.Answer ?? "", turn?.MaxEntries ?? 0, (long)(turn?.Ttl.TotalMilliseconds ?? 0),
            push ? 1 : 0, answerParts, Marker())))!;
        if ((long)reply[0] == 0)
        {
            var stored = new StoredAnswer(reply[1].ToString(), (int)reply[2], (int)reply[3], reply[4].IsNull ? null : reply[4].ToString())
            {
                SafetyDecisions = Decisions(reply[5]),
                Knowledge = ExchangeKnowledge.FromJson(reply[6]),
            };
            SetAnswer(stored, reply[5].ToString());
            return (stored, false);
        }

        SetAnswer(answer, safety);
        if (turn is not null)
        {
            _fields["memorized"] = "1";
        }

        if (!reply[1].IsNull)
        {
            _fields["prefix"] = reply[1].ToString();
        }

        if (!reply[2].IsNull)
        {
            _firstClaim = Claim((long)reply[2]);
            if (_firstClaim is PartClaim.Claimed or PartClaim.TakenOver)
            {
                _fields[PartField(0)] = Marker();
            }
        }

        return (answer, true);
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

    /// <summary>The user's pending parts this job took over: taken now unless an earlier call (or attempt) took them.</summary>
    public async Task<IReadOnlyList<string>> TakePendingAsync(RedisKey pendingKey)
    {
        if (!_fields.TryGetValue("prefix", out var json))
        {
            json = (string)(await TakePendingScript.EvaluateAsync(_db, new PendingCall(_key, pendingKey)))!;
            _fields["prefix"] = json;
        }

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
        if (index == 0 && _firstClaim is { } first)
        {
            _firstClaim = null;
            return first; // claimed with the answer's storing
        }

        var marker = Marker();
        var marks = UnwrittenMarks;
        var claim = Claim((long)await ClaimPartScript.EvaluateAsync(_db, new ClaimPartCall(_key, budgetKey, PartField(index), marker, marks)));
        _marks.RemoveRange(0, marks.Count);
        if (claim is PartClaim.Claimed or PartClaim.TakenOver)
        {
            _fields[PartField(index)] = marker;
        }

        return claim;
    }

    /// <summary>WeChat took the part: written with this job's next call (the next part's claim, or the completion).</summary>
    public void MarkSent(int index)
    {
        _fields[PartField(index)] = "sent";
        _marks.Add(PartField(index));
        _marks.Add("sent");
    }

    /// <summary>Writes the <see cref="UnwrittenMarks"/> on their own: for an attempt that ends before its next call.</summary>
    public async Task WriteMarksAsync()
    {
        if (_marks.Count == 0)
        {
            return;
        }

        var marks = UnwrittenMarks;
        await _db.HashSetAsync(_key, [.. Enumerable.Range(0, marks.Count / 2).Select(i => new HashEntry(marks[2 * i], marks[(2 * i) + 1]))]);
        _marks.RemoveRange(0, marks.Count);
    }

    /// <summary>Part markers set since this job's last call (field, value pairs), for the call that writes them.</summary>
    public IReadOnlyList<RedisValue> UnwrittenMarks => [.. _marks];

    /// <summary>The completion wrote <paramref name="marks"/> (what <see cref="UnwrittenMarks"/> gave it).</summary>
    public void MarksWritten(IReadOnlyList<RedisValue> marks) => _marks.RemoveRange(0, marks.Count);

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

    /// <summary>
    /// The job was dead-lettered: its answer, taken-over parts and part markers are kept as long as the dead letter
    /// (<paramref name="ttl"/>), so a retry sends what is missing and nothing twice.
    /// </summary>
    public Task KeepAsync(TimeSpan ttl) => _db.KeyExpireAsync(_key, ttl);

    private void SetAnswer(StoredAnswer answer, string safety)
    {
        _fields["answer"] = answer.Text;
        _fields["prompt_tokens"] = answer.PromptTokens.ToString(CultureInfo.InvariantCulture);
        _fields["completion_tokens"] = answer.CompletionTokens.ToString(CultureInfo.InvariantCulture);
        _fields["safety"] = safety;
        if (answer.ReasoningSummary is { } reasoning)
        {
            _fields["reasoning"] = reasoning;
        }

        if (answer.Knowledge is { } knowledge)
        {
            _fields["knowledge"] = knowledge.ToJson();
        }
    }

    // Unique to this attempt, also across a dead letter's retry (which numbers attempts from 1 again).
    private string Marker() => $"sending:{_fields.GetValueOrDefault("attempts", "0")}:{_processing}";

    private static PartClaim Claim(long code) => code switch
    {
        1 => PartClaim.Claimed,
        2 => PartClaim.TakenOver,
        0 => PartClaim.NoBudget,
        _ => PartClaim.AlreadyClaimed,
    };

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

    private static RedisScript<TCall> Load<TCall>(string name, string? library = null) =>
        RedisScript.Load<TCall>(typeof(JobState), $"JobState.{name}.lua", library: library);

    /// <param name="HandoffField">The user's OpenID, to hold the job if it is in <paramref name="Handoff"/> ('' for no check).</param>
    /// <param name="Entry">The stream entry whose turn to check ('' for none).</param>
    /// <param name="RetryOf">For a job retried from a dead letter, the dead letter's id ('' otherwise), with the answer and
    /// the taken-over parts it kept ('' for none).</param>
    /// <param name="BudgetTtlMs">0: the budget is not reset.</param>
    /// <param name="TypingMs">0: no typing.</param>
    /// <param name="MemoryCount">0: the memory is not read.</param>
    /// <param name="Marks">The unwritten part markers (field, value pairs).</param>
    private sealed record StartCall(
        RedisKey Job, RedisKey Turns, RedisKey Budget, RedisKey TypingKey, RedisKey MemoryKey, RedisKey Handoff,
        string HandoffField, RedisValue Entry, long TtlMs, string RetryOf, string Answer, string TakenOverParts,
        long ReceivedAt, int BudgetMessages, long BudgetTtlMs, long TypingMs, int MemoryCount, IReadOnlyList<RedisValue> Marks);

    /// <param name="Reasoning">The reasoning summary ('' for none).</param>
    /// <param name="Safety">The safety decisions (JSON).</param>
    /// <param name="Knowledge">What the knowledge base gave the answer (JSON, '' for none): its citation is rebuilt from it on a retry.</param>
    /// <param name="Question">The memory's entry for the question, and <paramref name="Reply"/> the answer's (when <paramref name="MemoryMax"/> is not 0).</param>
    /// <param name="Push">1: the answer is pushed (pending parts taken, part 0 claimed with <paramref name="Marker"/>).</param>
    private sealed record AnsweredCall(
        RedisKey Job, RedisKey MemoryKey, RedisKey Pending, RedisKey Budget,
        string Answer, int PromptTokens, int CompletionTokens, string Reasoning, string Safety, string Knowledge,
        string Question, string Reply, int MemoryMax, long MemoryTtlMs, int Push, int AnswerParts, string Marker);

    private sealed record StoreQuestionCall(RedisKey Job, string Question);

    /// <param name="Pending">The user's pending list.</param>
    private sealed record PendingCall(RedisKey Job, RedisKey Pending);

    /// <param name="Budget">The user's budget (<c>MessageBudget</c>'s hash).</param>
    /// <param name="Field">The part's field.</param>
    /// <param name="Marker">This attempt's <c>sending:{attempt}:{id}</c>.</param>
    /// <param name="Marks">The unwritten part markers (field, value pairs).</param>
    private sealed record ClaimPartCall(RedisKey Job, RedisKey Budget, string Field, string Marker, IReadOnlyList<RedisValue> Marks);

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
