using WeChatAi.Core.Queue;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Worker;

public sealed class StreamTrimTests(PostgresServer postgres)
{
    [Fact]
    public async Task Acknowledged_jobs_are_trimmed_off_the_stream_and_unread_ones_are_kept()
    {
        await using var harness = await WorkerHarness.StartAsync(postgres);
        for (var i = 0; i < 20; i++)
        {
            await harness.EnqueueAsync($"oTrim{i}", $"问题{i}");
        }

        await harness.StartWorkerAsync();
        await harness.WaitUntilAsync(() => harness.WeChat.Messages.Count >= 20, "20 answers");
        // Each shard's stream keeps at most its last delivered entry.
        await harness.WaitUntilAsync(
            async () => (await Task.WhenAll(TestShards.Default.All.Select(s => harness.Db.StreamLengthAsync(QueueKeys.JobStream(s))))).All(n => n <= 1),
            "every shard's stream trimmed to its last delivered entry", TimeSpan.FromSeconds(20));

        // With the worker gone, a new job stays unread: trimming must never take it.
        await harness.Workers[0].KillAsync();
        var unread = await harness.EnqueueAsync("oTrimLater", "稍后的问题");
        await harness.StartWorkerAsync();
        await harness.WaitUntilAsync(() => harness.WeChat.MessagesTo("oTrimLater").Count == 1, "the unread job's answer");
        Assert.Equal("答复：稍后的问题", harness.WeChat.MessagesTo(unread.OpenId).Single());
    }
}
