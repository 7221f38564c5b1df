using StackExchange.Redis;
using WeChatAi.Core.Handoff;
using WeChatAi.Core.Memory;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Replies;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Worker.Common;

namespace WeChatAi.Tests.Worker;

/// <summary>
/// The job state's merged calls against a real Redis: an attempt's start (turn, attempt, budget, typing, memory), the
/// answer's storing (memory, pending parts, part 0's claim) and the markers written by the next call.
/// </summary>
public class JobStateTests : RedisConnectionTests
{
    public JobStateTests()
        : this(SingleRedis.Source)
    {
    }

    protected JobStateTests(IRedisSource source)
        : base(source)
    {
    }

    private IDatabase Db => Connection.GetDatabase();

    [Fact]
    public async Task Start_waits_while_an_older_entry_of_the_user_is_unfinished_and_then_counts_resets_types_and_reads_memory()
    {
        var job = Job("o-start", 2);
        var shard = TestShards.Of(job.OpenId);
        var turns = WorkerKeys.Turns(shard, job.AppId, job.OpenId);
        var budget = ReplyKeys.Budget(shard, job.AppId, job.OpenId);
        var memory = MemoryKeys.Memory(shard, job.AppId, job.OpenId);
        await Db.SortedSetAddAsync(turns, [new("1-0", 1), new("2-0", 2)]);
        await Db.ListRightPushAsync(memory, ["u:一", "a:答一", "u:二", "a:答二"]);
        var state = new JobState(Db, shard, job.JobId);
        var start = new AttemptStart("2-0", null)
        {
            BudgetMessages = 5, BudgetWindowLeft = TimeSpan.FromHours(48), TypingShown = TimeSpan.FromSeconds(15), MemoryEntries = 3,
        };

        // Not its turn: nothing counted, reset, marked or read.
        Assert.Null(await state.StartAsync(job, start));
        Assert.False(await Db.KeyExistsAsync(state.Key));
        Assert.False(await Db.KeyExistsAsync(budget));
        Assert.False(await Db.KeyExistsAsync(WorkerKeys.Typing(shard, job.AppId, job.OpenId)));

        await Db.SortedSetRemoveAsync(turns, "1-0");
        var first = await state.StartAsync(job, start);
        Assert.NotNull(first);
        Assert.Equal((1, true), (first.Attempt, first.ShowsTyping));
        Assert.Equal(["a:答一", "u:二", "a:答二"], first.Memory.Select(v => v.ToString()));
        Assert.Equal("5", (string?)await Db.HashGetAsync(budget, "left"));
        var typingTtl = await Db.KeyTimeToLiveAsync(WorkerKeys.Typing(shard, job.AppId, job.OpenId));
        Assert.InRange(typingTtl!.Value, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15));

        // A later attempt: typing was this job's already, the budget is not reset again for the same message.
        await Db.HashSetAsync(budget, "left", 1);
        var second = await state.StartAsync(job, start with { TurnEntry = RedisValue.Null });
        Assert.Equal((2, false), (second!.Attempt, second.ShowsTyping));
        Assert.Equal("1", (string?)await Db.HashGetAsync(budget, "left"));

        // With an answer stored, neither typing nor the memory: the answer is delivered as it is.
        await state.StoreAnsweredAsync(job, new StoredAnswer("答", 1, 1), null, push: false, answerParts: 1);
        await Db.KeyDeleteAsync(WorkerKeys.Typing(shard, job.AppId, job.OpenId));
        var third = await new JobState(Db, shard, job.JobId).StartAsync(job, start with { TurnEntry = RedisValue.Null });
        Assert.Equal((3, false), (third!.Attempt, third.ShowsTyping));
        Assert.Empty(third.Memory);
    }

    [Fact]
    public async Task Start_finds_a_user_handed_to_a_person_before_anything_else_and_only_when_asked()
    {
        var job = Job("o-held", 1);
        var shard = TestShards.Of(job.OpenId);
        var budget = ReplyKeys.Budget(shard, job.AppId, job.OpenId);
        await Db.SortedSetAddAsync(WorkerKeys.Turns(shard, job.AppId, job.OpenId), [new("0-1", 0), new("1-0", 1)]);
        await Db.HashSetAsync(HandoffKeys.Open(shard, job.AppId), job.OpenId, 7);
        var state = new JobState(Db, shard, job.JobId);
        var start = new AttemptStart("1-0", null) { BudgetMessages = 5, BudgetWindowLeft = TimeSpan.FromHours(48), ChecksHandoff = true };

        // Held, though an older entry is unfinished: no wait for a turn, nothing counted or reset.
        Assert.Same(StartedAttempt.HandedOff, await state.StartAsync(job, start));
        Assert.False(await Db.KeyExistsAsync(state.Key));
        Assert.False(await Db.KeyExistsAsync(budget));

        // Not asked (a later start, a notice): the marker is not looked at.
        var started = await state.StartAsync(job, start with { TurnEntry = RedisValue.Null, ChecksHandoff = false });
        Assert.NotSame(StartedAttempt.HandedOff, started);
        Assert.Equal(1, started!.Attempt);
    }

    [Fact]
    public async Task Storing_the_answer_remembers_takes_the_pending_parts_and_claims_part_0_and_a_competing_answer_gets_nothing()
    {
        var job = Job("o-answer", 3);
        var shard = TestShards.Of(job.OpenId);
        var budget = ReplyKeys.Budget(shard, job.AppId, job.OpenId);
        var pending = ReplyKeys.Pending(shard, job.AppId, job.OpenId);
        var memory = MemoryKeys.Memory(shard, job.AppId, job.OpenId);
        await Db.ListRightPushAsync(pending, "上次剩下的");
        var start = new AttemptStart(RedisValue.Null, null) { BudgetMessages = 2, BudgetWindowLeft = TimeSpan.FromHours(48) };
        var state = new JobState(Db, shard, job.JobId);
        await state.StartAsync(job, start);

        var turn = new RememberedTurn("u:问", "a:答", 4, TimeSpan.FromHours(1));
        var (answer, stored) = await state.StoreAnsweredAsync(job, new StoredAnswer("答", 3, 4), turn, push: true, answerParts: 1);

        Assert.True(stored);
        Assert.Equal("答", answer.Text);
        Assert.Equal(["u:问", "a:答"], (await Db.ListRangeAsync(memory)).Select(v => v.ToString()));
        Assert.False(await Db.KeyExistsAsync(pending));
        Assert.Equal(["上次剩下的"], await state.TakePendingAsync(pending));
        Assert.Equal("1", (string?)await Db.HashGetAsync(budget, "left"));
        Assert.StartsWith("sending:1:", (string?)await Db.HashGetAsync(state.Key, "part:0"), StringComparison.Ordinal);
        Assert.Equal(PartClaim.Claimed, await state.ClaimPartAsync(0, budget));
        Assert.Equal("1", (string?)await Db.HashGetAsync(budget, "left")); // claimed once, with the answer

        // Part 0 went out: its marker is written by part 1's claim, which takes the last message of the budget.
        state.MarkSent(0);
        Assert.Equal(PartClaim.Claimed, await state.ClaimPartAsync(1, budget));
        Assert.Equal("sent", (string?)await Db.HashGetAsync(state.Key, "part:0"));
        Assert.Empty(state.UnwrittenMarks);
        Assert.Equal("0", (string?)await Db.HashGetAsync(budget, "left"));

        // Another attempt of the job with another answer: it gets the stored one, and nothing else happens.
        await Db.ListRightPushAsync(pending, "新的待发");
        await Db.HashSetAsync(budget, "left", 2);
        var other = new JobState(Db, shard, job.JobId);
        await other.StartAsync(job, start);
        var (otherAnswer, otherStored) = await other.StoreAnsweredAsync(job, new StoredAnswer("另一个答案", 9, 9), turn with { Answer = "a:另一个答案" }, push: true, answerParts: 1);

        Assert.False(otherStored);
        Assert.Equal(("答", 3, 4), (otherAnswer.Text, otherAnswer.PromptTokens, otherAnswer.CompletionTokens));
        Assert.Equal(2, await Db.ListLengthAsync(memory));
        Assert.Equal(1, await Db.ListLengthAsync(pending));
        Assert.Equal("2", (string?)await Db.HashGetAsync(budget, "left"));
        Assert.Equal("sent", (string?)await Db.HashGetAsync(state.Key, "part:0"));
    }

    [Fact]
    public async Task A_part_sent_but_not_yet_written_is_written_by_the_next_attempts_start_or_the_failure_record()
    {
        var job = Job("o-marks", 4);
        var shard = TestShards.Of(job.OpenId);
        var budget = ReplyKeys.Budget(shard, job.AppId, job.OpenId);
        var start = new AttemptStart(RedisValue.Null, null) { BudgetMessages = 5, BudgetWindowLeft = TimeSpan.FromHours(48) };
        var state = new JobState(Db, shard, job.JobId);
        await state.StartAsync(job, start);
        await state.StoreAnsweredAsync(job, new StoredAnswer("答", 1, 1), null, push: true, answerParts: 2);
        Assert.Equal(PartClaim.Claimed, await state.ClaimPartAsync(0, budget));

        // The completion failed after part 0 went out: the retry's start writes it first, and does not send it again.
        state.MarkSent(0);
        await state.StartAsync(job, start);
        Assert.Equal("sent", (string?)await Db.HashGetAsync(state.Key, "part:0"));
        Assert.True(state.IsPartSettled(0));

        Assert.Equal(PartClaim.Claimed, await state.ClaimPartAsync(1, budget));
        state.MarkSent(1);
        Assert.Equal(1, await state.RecordFailureAsync());
        Assert.Equal("sent", (string?)await Db.HashGetAsync(state.Key, "part:1"));
        Assert.Empty(state.UnwrittenMarks);
    }

    private static AiJob Job(string openId, long msgId) =>
        new("wxjobstate", openId, msgId, "问", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, null);
}

/// <summary>The same calls on a Redis Cluster: each one's keys in the user's shard's slot.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class JobStateClusterTests(RedisClusterFixture cluster) : JobStateTests(cluster);
