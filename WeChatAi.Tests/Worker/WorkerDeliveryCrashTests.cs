using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Worker;

/// <summary>A worker killed while its pushes are on their way to WeChat: every answer still reaches its user.</summary>
public class WorkerDeliveryCrashTests : IAsyncLifetime
{
    private const int Users = 50;
    private WorkerHarness _h = null!;
    private readonly PostgresServer _postgres;
    private readonly IRedisSource _redis;

    public WorkerDeliveryCrashTests(PostgresServer postgres)
        : this(postgres, SingleRedis.Source)
    {
    }

    protected WorkerDeliveryCrashTests(PostgresServer postgres, IRedisSource redis)
    {
        _postgres = postgres;
        _redis = redis;
    }

    public async ValueTask InitializeAsync() => _h = await WorkerHarness.StartAsync(_postgres, _redis);

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        await _h.DisposeAsync();
    }

    [Fact]
    public async Task Pushes_of_a_worker_killed_while_they_wait_on_WeChat_are_sent_again_by_the_worker_that_takes_over()
    {
        _h.WeChat.SendDelay = TimeSpan.FromSeconds(60);
        var first = await _h.StartWorkerAsync();
        for (var i = 0; i < Users; i++)
        {
            await _h.EnqueueAsync($"user-c{i}", "崩溃");
        }

        // Every part claimed and its request at WeChat, no answer back yet: then the crash.
        await _h.WaitUntilAsync(() => _h.WeChat.SendsWaiting == Users, "every push to be waiting on WeChat");
        await first.KillAsync();
        await _h.WaitUntilAsync(() => _h.WeChat.SendsWaiting == 0, "WeChat to see the connections close");
        Assert.Empty(_h.WeChat.Messages);

        _h.WeChat.SendDelay = TimeSpan.Zero;
        var second = await _h.StartWorkerAsync();
        await _h.WaitUntilAsync(() => _h.WeChat.Messages.Count >= Users, "the second worker to deliver every answer", TimeSpan.FromSeconds(45));
        await _h.WaitUntilAsync(async () => await _h.PendingInGroupAsync() == 0, "every job to be acknowledged");
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        Assert.All(Enumerable.Range(0, Users), i => Assert.Equal(["答复：崩溃"], _h.WeChat.MessagesTo($"user-c{i}")));
        Assert.Contains("sending it again", second.Output, StringComparison.Ordinal);
        Assert.Equal(Users, _h.Llm.Calls); // the answers came from the job state, not from the LLM again
    }
}

/// <summary>The same crash on a Redis Cluster: the part claims and the acknowledgement on the user's shard.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class WorkerDeliveryCrashClusterTests(PostgresServer postgres, RedisClusterFixture cluster) : WorkerDeliveryCrashTests(postgres, cluster);
