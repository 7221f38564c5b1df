using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Worker.Ordering;

namespace WeChatAi.Tests.Worker;

/// <summary>One user's messages answered in order and remembered in order; other users meanwhile in parallel.</summary>
public sealed class UserOrderTests(PostgresServer postgres) : IAsyncLifetime
{
    private static readonly int[] LatencyMs = [900, 100, 600, 50, 300];
    private WorkerHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await WorkerHarness.StartAsync(postgres);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Quick_messages_of_one_user_are_answered_and_remembered_in_order_while_other_users_run_in_parallel()
    {
        // The first question is the slowest: without ordering its answer would come last.
        _h.Llm.DelayFor = question => question.StartsWith("问题", StringComparison.Ordinal)
            ? TimeSpan.FromMilliseconds(LatencyMs[question[2] - '1'])
            : TimeSpan.FromSeconds(1);
        await _h.StartWorkerAsync(new Dictionary<string, string?> { ["Worker__ClaimIdleSeconds"] = "30" });
        for (var i = 1; i <= LatencyMs.Length; i++)
        {
            await _h.EnqueueAsync("user-o", $"问题{i}");
        }

        for (var u = 0; u < 6; u++)
        {
            await _h.EnqueueAsync($"user-p{u}", "并行");
        }

        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-o").Count == LatencyMs.Length, "the user's five answers");
        Assert.Equal(Enumerable.Range(1, LatencyMs.Length).Select(i => $"答复：问题{i}"), _h.WeChat.MessagesTo("user-o"));

        // Each question was asked with every earlier turn as memory, in order: the turns never interleaved.
        var asked = _h.Llm.Requests.Where(r => r[^1].Content.StartsWith("问题", StringComparison.Ordinal)).OrderBy(r => r[^1].Content, StringComparer.Ordinal).ToList();
        for (var i = 0; i < asked.Count; i++)
        {
            var history = asked[i].Where(m => m.Role != "system").Select(m => m.Content).ToList();
            var expected = Enumerable.Range(1, i).SelectMany(k => new[] { $"问题{k}", $"答复：问题{k}" }).Append($"问题{i + 1}");
            Assert.Equal(expected, history);
        }

        // The other users did not wait for each other (nor for user-o): their calls overlapped.
        await _h.WaitUntilAsync(() => Enumerable.Range(0, 6).All(u => _h.WeChat.MessagesTo($"user-p{u}").Count == 1), "the other users' answers");
        Assert.True(_h.Llm.Arrivals.Max(a => a.InFlight) >= 6, "six users' one-second calls overlapped");
    }

    [Fact]
    public async Task A_users_later_messages_holding_every_slot_do_not_keep_a_killed_workers_earlier_one_from_being_taken_over()
    {
        // The chaos run's stall: the user's first message pending on a worker that was killed, the live worker's two slots
        // both taken by the user's later messages waiting their turn behind it. Taking it over must not need a slot.
        var shard = TestShards.Of("user-k");
        await _h.Db.StreamCreateConsumerGroupAsync(QueueKeys.JobStream(shard), QueueKeys.ConsumerGroup, StreamPosition.Beginning, createStream: true);
        await _h.EnqueueAsync("user-k", "问题1");
        var killed = new UserTurns(_h.Connection, TimeProvider.System, NullLogger<UserTurns>.Instance);
        Assert.Single(await killed.ReadAsync(shard, "killed-worker", 1));
        for (var i = 2; i <= 6; i++)
        {
            await _h.EnqueueAsync("user-k", $"问题{i}");
        }

        await _h.StartWorkerAsync(new Dictionary<string, string?>
        {
            ["Worker__MaxConcurrency"] = "2",
            ["Worker__InitialConcurrency"] = "2",
        });
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("user-k").Count == 6, "the user's six answers");
        Assert.Equal(Enumerable.Range(1, 6).Select(i => $"答复：问题{i}"), _h.WeChat.MessagesTo("user-k"));
        await _h.WaitUntilAsync(async () => await _h.PendingInGroupAsync() == 0, "every entry acknowledged");
        Assert.Equal(6, _h.Llm.Calls);
        Assert.Equal(6, _h.WeChat.MessagesTo("user-k").Count);
    }

    [Fact]
    public async Task Jobs_taken_over_from_a_killed_worker_run_no_more_at_once_than_Worker_MaxConcurrency_when_no_job_waits_its_turn()
    {
        // Only the slots of jobs waiting their turn are lent to claims: six users' messages left by a killed worker are
        // taken over two at a time, not all at once (a burst of them tripped the LLM's circuit breaker in the chaos run).
        _h.Llm.Delay = TimeSpan.FromMilliseconds(700);
        var killed = new UserTurns(_h.Connection, TimeProvider.System, NullLogger<UserTurns>.Instance);
        for (var u = 0; u < 6; u++)
        {
            var shard = TestShards.Of($"user-c{u}");
            try
            {
                await _h.Db.StreamCreateConsumerGroupAsync(QueueKeys.JobStream(shard), QueueKeys.ConsumerGroup, StreamPosition.Beginning, createStream: true);
            }
            catch (RedisServerException ex) when (ex.Message.Contains("BUSYGROUP", StringComparison.Ordinal))
            {
            }

            await _h.EnqueueAsync($"user-c{u}", "接管");
            Assert.Single(await killed.ReadAsync(shard, "killed-worker", 1));
        }

        await _h.StartWorkerAsync(new Dictionary<string, string?>
        {
            ["Worker__MaxConcurrency"] = "2",
            ["Worker__InitialConcurrency"] = "2",
        });
        await _h.WaitUntilAsync(() => Enumerable.Range(0, 6).All(u => _h.WeChat.MessagesTo($"user-c{u}").Count == 1), "the six answers");
        await _h.WaitUntilAsync(async () => await _h.PendingInGroupAsync() == 0, "every entry acknowledged");
        Assert.Equal(6, _h.Llm.Calls);
        Assert.InRange(_h.Llm.Arrivals.Max(a => a.InFlight), 1, 2);
    }
}
