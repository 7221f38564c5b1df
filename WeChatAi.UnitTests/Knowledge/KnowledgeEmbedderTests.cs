using System.Diagnostics.Metrics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using WeChatAi.Core.Knowledge.Vectors;

namespace WeChatAi.UnitTests.Knowledge;

public sealed class KnowledgeEmbedderTests : IDisposable
{
    private readonly MeterListener _listener = new();

    [Fact]
    public async Task Texts_go_in_batches_of_the_configured_size_and_come_back_normalised_in_order()
    {
        var generator = new FakeGenerator();
        using var embedder = Embedder(generator, out _);

        var vectors = await embedder.EmbedAsync([.. Enumerable.Range(1, 25).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))], TestContext.Current.CancellationToken);

        Assert.Equal([10, 10, 5], generator.Batches);
        Assert.Equal(25, vectors.Length);
        Assert.Equal(1 / MathF.Sqrt(2), vectors[0][0], 5); // (1, 1) scaled to length 1
        Assert.Equal(25 / MathF.Sqrt(626), vectors[24][0], 5); // (25, 1): the 25th text's vector, in its place
        Assert.All(vectors, v => Assert.Equal(1, MathF.Sqrt((v[0] * v[0]) + (v[1] * v[1])), 5));
        Assert.Equal("m/native", embedder.ModelKey);
    }

    [Fact]
    public async Task A_provider_failure_is_counted_and_thrown_for_passages_and_questions_go_without_vectors_for_a_while()
    {
        var generator = new FakeGenerator { Fails = true };
        using var embedder = Embedder(generator, out var failures);

        await Assert.ThrowsAsync<EmbeddingUnavailableException>(() => embedder.EmbedAsync(["退款"], TestContext.Current.CancellationToken));
        Assert.Null(await embedder.EmbedQuestionAsync("怎么退款", TestContext.Current.CancellationToken));
        Assert.Equal([("passages", 1L), ("question", 1L)], failures.OrderBy(f => f.Purpose));

        // Paused after the failure: the next question does not ask the provider, even once it is back.
        generator.Fails = false;
        var calls = generator.Batches.Count;
        Assert.Null(await embedder.EmbedQuestionAsync("怎么退款", TestContext.Current.CancellationToken));
        Assert.Equal(calls, generator.Batches.Count);
    }

    [Fact]
    public async Task Without_an_endpoint_there_is_no_model_and_questions_get_no_vector()
    {
        var generator = new FakeGenerator();
        using var embedder = new KnowledgeEmbedder(generator, Options.Create(new VectorOptions()), Meters(), TimeProvider.System, NullLogger<KnowledgeEmbedder>.Instance);

        Assert.False(embedder.IsConfigured);
        Assert.Null(embedder.ModelKey);
        Assert.Null(await embedder.EmbedQuestionAsync("退款", TestContext.Current.CancellationToken));
        Assert.Empty(generator.Batches);
    }

    public void Dispose() => _listener.Dispose();

    private KnowledgeEmbedder Embedder(FakeGenerator generator, out List<(string Purpose, long Count)> failures)
    {
        var recorded = new List<(string, long)>();
        failures = recorded;
        var meters = Meters();
        var listener = _listener;
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "wechatai.knowledge.embedding.failures")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            lock (recorded)
            {
                recorded.Add(((string)tags[0].Value!, value));
            }
        });
        listener.Start();
        var options = new VectorOptions { EmbeddingEndpoint = "https://e.example/v1", EmbeddingModel = "m", EmbeddingBatchSize = 10, EmbeddingRequestsPerSecond = 1000 };
        return new KnowledgeEmbedder(generator, Options.Create(options), meters, TimeProvider.System, NullLogger<KnowledgeEmbedder>.Instance);
    }

    private static IMeterFactory Meters() => new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    /// <summary>Each text's vector is (n, 1) for its number n, or an HTTP failure when <see cref="Fails"/>.</summary>
    private sealed class FakeGenerator : IEmbeddingGenerator<string, Embedding<float>>
    {
        public List<int> Batches { get; } = [];

        public bool Fails { get; set; }

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var texts = values.ToList();
            Batches.Add(texts.Count);
            if (Fails)
            {
                throw new HttpRequestException("503 (simulated)");
            }

            return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(texts.Select(t =>
                new Embedding<float>(new float[] { int.TryParse(t, out var n) ? n : 1, 1 }))));
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
