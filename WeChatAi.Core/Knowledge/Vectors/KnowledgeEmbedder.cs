using System.ClientModel;
using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace WeChatAi.Core.Knowledge.Vectors;

/// <summary>The embedding provider refused or did not answer; the reason names the failure, never the text sent.</summary>
/// <param name="status">The provider's HTTP status, when it answered one.</param>
public sealed class EmbeddingUnavailableException(string reason, Exception inner, int? status = null) : Exception(reason, inner)
{
    public int? Status { get; } = status;

    /// <summary>
    /// The provider answered and refused these texts (a 4xx other than authentication, timeout or rate limit: e.g. an
    /// input longer than the model takes): another request may succeed, so the caller moves on to other texts.
    /// </summary>
    public bool RefusedTheInput => Status is >= 400 and < 500 and not (401 or 403 or 408 or 429);
}

/// <summary>
/// Vectors for passages and questions from the configured <c>/embeddings</c> provider (Microsoft.Extensions.AI's
/// <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>): in batches of <c>Knowledge:EmbeddingBatchSize</c>, at most
/// <c>Knowledge:EmbeddingRequestsPerSecond</c> requests (a token bucket; the HTTP pipeline retries each), L2-normalised.
/// Every failure counts in <c>wechatai.knowledge.embedding.failures</c> and is logged as a warning without the text.
/// A question's vector is bounded by <c>Knowledge:QueryEmbeddingTimeoutMs</c>, and after a failure questions skip the
/// provider for <see cref="QueryPause"/>, so a provider that is down costs searches nothing but their keyword ranking.
/// </summary>
public sealed partial class KnowledgeEmbedder : IDisposable
{
    /// <summary>How long questions go without vectors after one failed: a provider that is down is not asked every search.</summary>
    public static readonly TimeSpan QueryPause = TimeSpan.FromSeconds(5);

    private readonly IEmbeddingGenerator<string, Embedding<float>>? _generator;
    private readonly VectorOptions _options;
    private readonly TokenBucketRateLimiter _limiter;
    private readonly Counter<long> _failures;
    private readonly TimeProvider _time;
    private readonly ILogger<KnowledgeEmbedder> _logger;
    private long _queriesPausedUntil;

    public KnowledgeEmbedder(
        IEmbeddingGenerator<string, Embedding<float>>? generator, IOptions<VectorOptions> options, IMeterFactory meters, TimeProvider time, ILogger<KnowledgeEmbedder> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meters);
        _options = options.Value;
        _generator = _options.HasEmbeddings ? generator : null;
        _time = time;
        _logger = logger;
        var perSecond = _options.EmbeddingRequestsPerSecond;
        _limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, (int)perSecond),
            TokensPerPeriod = Math.Max(1, (int)perSecond),
            ReplenishmentPeriod = perSecond >= 1 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(1 / perSecond),
            QueueLimit = 10_000,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
        _failures = meters.Create(WeChatAiTelemetry.MeterName).CreateCounter<long>(
            "wechatai.knowledge.embedding.failures", "{request}", "Embedding requests that failed (provider down, refused, timed out), by purpose (passages, question)");
    }

    /// <summary>What stored vectors must be marked with to be searched; null when no provider is configured.</summary>
    public string? ModelKey => _generator is null ? null : _options.ModelKey;

    public bool IsConfigured => _generator is not null;

    /// <summary>One normalised vector per text, in order.</summary>
    /// <exception cref="EmbeddingUnavailableException">The provider failed (after the pipeline's retries).</exception>
    public async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var vectors = new List<float[]>(texts.Count);
        foreach (var batch in texts.Chunk(_options.EmbeddingBatchSize))
        {
            vectors.AddRange(await RequestAsync(batch, "passages", cancellationToken).ConfigureAwait(false));
        }

        return [.. vectors];
    }

    /// <summary>The question's normalised vector, or null (no provider, a failure, the timeout, or paused after a failure).</summary>
    public async Task<float[]?> EmbedQuestionAsync(string question, CancellationToken cancellationToken)
    {
        if (_generator is null || _time.GetTimestamp() < Interlocked.Read(ref _queriesPausedUntil))
        {
            return null;
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(_options.QueryEmbeddingTimeoutMs);
        try
        {
            return (await RequestAsync([question], "question", bounded.Token).ConfigureAwait(false))[0];
        }
        catch (EmbeddingUnavailableException)
        {
            Interlocked.Exchange(ref _queriesPausedUntil, _time.GetTimestamp() + (long)(QueryPause.TotalSeconds * _time.TimestampFrequency));
            return null;
        }
    }

    private async Task<float[][]> RequestAsync(string[] texts, string purpose, CancellationToken cancellationToken)
    {
        var generator = _generator ?? throw new InvalidOperationException("Knowledge:EmbeddingEndpoint is not configured.");
        try
        {
            using var lease = await _limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
            if (!lease.IsAcquired)
            {
                throw new RateLimitRejectedException();
            }

            var options = new EmbeddingGenerationOptions { Dimensions = _options.EmbeddingDimensions };
            var embeddings = await generator.GenerateAsync(texts, options, cancellationToken).ConfigureAwait(false);
            if (embeddings.Count != texts.Length)
            {
                throw new InvalidDataException($"The provider returned {embeddings.Count} vectors for {texts.Length} texts.");
            }

            return [.. embeddings.Select(e =>
            {
                var vector = e.Vector.ToArray();
                VectorIndex.Normalize(vector);
                return vector;
            })];
        }
#pragma warning disable CA1031 // Whatever the provider or its client throws means "no vectors now": the caller carries on without them.
        catch (Exception ex) when (ex is not EmbeddingUnavailableException && !IsCallerCancellation(ex, purpose, cancellationToken))
#pragma warning restore CA1031
        {
            var reason = ex switch
            {
                ClientResultException { Status: > 0 } http => $"HTTP {http.Status}",
                OperationCanceledException => "timed out",
                _ => ex.GetType().Name,
            };
            _failures.Add(1, new KeyValuePair<string, object?>("purpose", purpose));
            LogFailed(_logger, purpose, texts.Length, reason);
            throw new EmbeddingUnavailableException($"The embedding provider failed ({reason}).", ex, ex is ClientResultException { Status: > 0 } answered ? answered.Status : null);
        }
    }

    /// <summary>A cancellation the caller asked for (a stopping worker) is not a provider failure; a question's own timeout is.</summary>
    private static bool IsCallerCancellation(Exception ex, string purpose, CancellationToken token) =>
        ex is OperationCanceledException && token.IsCancellationRequested && purpose == "passages";

    public void Dispose() => _limiter.Dispose();

    private sealed class RateLimitRejectedException() : Exception("More embedding requests are waiting than the rate limiter queues.");

    [LoggerMessage(1, LogLevel.Warning, "The embedding provider failed for {Purpose} ({Count} texts): {Reason}. Keyword ranking carries on; the worker embeds what is missing later.")]
    private static partial void LogFailed(ILogger logger, string purpose, int count, string reason);
}
