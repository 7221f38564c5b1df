using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Worker;

/// <summary>
/// An operator who upgrades without draining the unsharded stream of the releases before shards loses those jobs
/// silently unless the worker says so: it warns once at start, naming the count and where the upgrade steps are.
/// </summary>
public sealed class LegacyStreamWarningTests(PostgresServer postgres)
{
    [Fact]
    public async Task A_legacy_stream_with_unfinished_jobs_is_named_with_their_count_and_the_upgrade_steps()
    {
        await using var harness = await WorkerHarness.StartAsync(postgres);
        // Two read by an old worker and never acknowledged, one never read: three unfinished.
        await harness.Db.StreamCreateConsumerGroupAsync(QueueKeys.LegacyJobStream, QueueKeys.ConsumerGroup, StreamPosition.NewMessages, createStream: true);
        for (var i = 0; i < 3; i++)
        {
            await harness.Db.StreamAddAsync(QueueKeys.LegacyJobStream, "job", $"old-{i}");
        }

        await harness.Db.StreamReadGroupAsync(QueueKeys.LegacyJobStream, QueueKeys.ConsumerGroup, "old-worker", ">", count: 2);

        var worker = await harness.StartWorkerAsync();
        await harness.WaitUntilAsync(() => worker.Output.Contains("Consuming AI jobs", StringComparison.Ordinal), "the worker consuming");
        await harness.WaitUntilAsync(
            () => worker.Output.Contains("still holds 3 unfinished job(s)", StringComparison.Ordinal), "the legacy stream's warning");
        Assert.Contains("Upgrading to shards", worker.Output, StringComparison.Ordinal);
        Assert.Contains(QueueKeys.LegacyJobStream, worker.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_drained_legacy_stream_is_not_reported()
    {
        await using var harness = await WorkerHarness.StartAsync(postgres);
        await harness.Db.StreamCreateConsumerGroupAsync(QueueKeys.LegacyJobStream, QueueKeys.ConsumerGroup, StreamPosition.NewMessages, createStream: true);
        var id = await harness.Db.StreamAddAsync(QueueKeys.LegacyJobStream, "job", "old-done");
        await harness.Db.StreamReadGroupAsync(QueueKeys.LegacyJobStream, QueueKeys.ConsumerGroup, "old-worker", ">", count: 1);
        await harness.Db.StreamAcknowledgeAsync(QueueKeys.LegacyJobStream, QueueKeys.ConsumerGroup, id);

        var worker = await harness.StartWorkerAsync();
        var answered = await harness.EnqueueAsync("oAfterUpgrade", "升级之后");
        await harness.WaitUntilAsync(() => harness.WeChat.MessagesTo(answered.OpenId).Count == 1, "an answer from the upgraded worker");
        Assert.DoesNotContain("releases before shards", worker.Output, StringComparison.Ordinal);
    }
}
