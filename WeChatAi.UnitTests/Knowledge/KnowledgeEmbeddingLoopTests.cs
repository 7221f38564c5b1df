using Microsoft.Extensions.Time.Testing;
using WeChatAi.Core.Knowledge.Vectors;
using WeChatAi.Worker.Knowledge;

namespace WeChatAi.UnitTests.Knowledge;

/// <summary>The embedding loop's rules: which failures pass over one source, its backoff, and a claim renewed while work runs.</summary>
public sealed class KnowledgeEmbeddingLoopTests
{
    [Theory]
    [InlineData(400, true)] // e.g. an input longer than the model takes
    [InlineData(413, true)]
    [InlineData(401, false)] // the key: every source would fail alike
    [InlineData(429, false)] // the provider's limit
    [InlineData(503, false)] // the provider is down
    [InlineData(null, false)] // no answer at all
    public void Only_a_refusal_of_the_texts_themselves_passes_over_one_source(int? status, bool refused) =>
        Assert.Equal(refused, new EmbeddingUnavailableException("failed", new InvalidOperationException(), status).RefusedTheInput);

    [Fact]
    public void A_refused_source_waits_five_minutes_then_twice_as_long_each_time_up_to_a_day()
    {
        var interval = TimeSpan.FromSeconds(60);
        Assert.Equal(TimeSpan.FromMinutes(5), KnowledgeEmbedding.Backoff(1, interval));
        Assert.Equal(TimeSpan.FromMinutes(10), KnowledgeEmbedding.Backoff(2, interval));
        Assert.Equal(TimeSpan.FromMinutes(40), KnowledgeEmbedding.Backoff(4, interval));
        Assert.Equal(TimeSpan.FromDays(1), KnowledgeEmbedding.Backoff(30, interval));
        Assert.Equal(TimeSpan.FromHours(2), KnowledgeEmbedding.Backoff(1, TimeSpan.FromHours(2))); // never sooner than the next round
    }

    [Fact]
    public async Task A_claim_is_renewed_on_schedule_while_the_work_runs_through_a_failed_renewal_and_no_more_once_it_ends()
    {
        var time = new FakeTimeProvider();
        var renewals = 0;
        using var renewed = new SemaphoreSlim(0);
        var renewal = ClaimRenewal.Start(_ =>
        {
            renewed.Release();
            return ++renewals == 2 ? throw new TimeoutException("the store is away") : Task.CompletedTask;
        }, TimeSpan.FromSeconds(15), time, TestContext.Current.CancellationToken);

        time.Advance(TimeSpan.FromSeconds(14));
        Assert.False(await renewed.WaitAsync(TimeSpan.FromMilliseconds(100), TestContext.Current.CancellationToken));
        for (var i = 1; i <= 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(i == 1 ? 1 : 15));
            Assert.True(await renewed.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken), $"renewal {i}");
        }

        await renewal.DisposeAsync();
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(await renewed.WaitAsync(TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken));
        Assert.Equal(3, renewals);
    }
}
