using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Knowledge;
using WeChatAi.Core.Knowledge;
using WeChatAi.Core.Knowledge.Vectors;
using WeChatAi.Worker.Knowledge.Extraction;

namespace WeChatAi.Worker.Knowledge;

/// <summary>
/// Indexes the sources the API stored as queued, one at a time: claims one (<c>FOR UPDATE SKIP LOCKED</c>, so several
/// workers share the queue), chunks and segments it, and replaces its chunks in one transaction that also marks it
/// ready — only if its content is still the one chunked (an edit meanwhile queued it again) and it still exists. A
/// source left processing by a crash is claimed again once its lease has passed (the claim is renewed while it works). Looks for work every second. With an
/// embedding provider configured the chunks are embedded before they are stored; a provider that fails leaves the
/// source ready without vectors (keyword ranking only) for <see cref="KnowledgeEmbedding"/> to embed later.
/// </summary>
internal sealed partial class KnowledgeIngestion(
    IServiceScopeFactory scopes, IConnectionMultiplexer redis, SourceExtractor extractor, KnowledgeSegmenter segmenter, KnowledgeEmbedder embedder,
    IOptions<KnowledgeOptions> options,
    TimeProvider time, ILogger<KnowledgeIngestion> logger) : BackgroundService
{
    /// <summary>
    /// How long a claim holds without renewal: the worker renews it every quarter of this while it extracts, fetches
    /// and embeds, so one older than this was left by a worker that died.
    /// </summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.AllowPrivateAddresses)
        {
            LogPrivatePages(logger); // so the development escape hatch cannot stay on unnoticed
        }

        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await IndexNextAsync(stoppingToken).ConfigureAwait(false))
                {
                }

                failing = false;
            }
            catch (Exception ex) when (ex is DbException or RedisException or TimeoutException or InvalidOperationException && !stoppingToken.IsCancellationRequested)
            {
                // A store away: the claimed source stays processing and is claimed again after its lease.
                if (!failing)
                {
                    LogStoreFailed(logger, ex);
                    failing = true;
                }
            }

            await Task.Delay(Idle, time, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>Indexes one source; false when none is waiting.</summary>
    private async Task<bool> IndexNextAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
        var now = time.GetUtcNow();
        var expired = now - Lease;
        var claimed = await db.Database.SqlQuery<long>($"""
            UPDATE knowledge_sources SET "State" = 'Processing', "ProcessingSince" = {now}
            WHERE "Id" = (
                SELECT "Id" FROM knowledge_sources
                WHERE "State" = 'Queued' OR ("State" = 'Processing' AND "ProcessingSince" < {expired})
                ORDER BY "Id" LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING "Id" AS "Value"
            """).ToListAsync(cancellationToken).ConfigureAwait(false);
        if (claimed.Count == 0)
        {
            return false;
        }

        var source = await db.KnowledgeSources.AsNoTracking().FirstOrDefaultAsync(s => s.Id == claimed[0], cancellationToken).ConfigureAwait(false);
        if (source is null)
        {
            return true; // deleted since the claim
        }

        var started = time.GetTimestamp();
        Indexed outcome;
        string? embeddedWith;
        // A large source behind a slow provider may take longer than the lease: the claim is renewed while it works.
        await using (ClaimRenewal.Start(ct => RenewAsync(source.Id, ct), Lease / 4, time, cancellationToken))
        {
            outcome = source.IndexedHash == source.ContentHash
                ? new Indexed(source.Title, source.TextHash, Chunks: null, Error: null)
                : await IndexAsync(source, cancellationToken).ConfigureAwait(false);
            embeddedWith = outcome.Chunks is null ? null : await EmbedAsync(outcome.Title, outcome.Chunks, cancellationToken).ConfigureAwait(false);
        }

        var (chunks, error) = (outcome.Chunks, outcome.Error);
        if (!await StoreAsync(db, source, outcome, embeddedWith, cancellationToken).ConfigureAwait(false))
        {
            LogSuperseded(logger, source.Id);
            return true;
        }

        await KnowledgeIndex.ChangedAsync(redis, local: null, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            LogUnindexable(logger, source.Id, error);
        }
        else if (chunks is null)
        {
            LogUnchanged(logger, source.Id);
        }
        else
        {
            LogIndexed(logger, source.Id, chunks.Count, embeddedWith is null ? "without" : "with", time.GetElapsedTime(started).TotalMilliseconds);
        }

        return true;
    }

    /// <summary>Moves the claim's time on, while the source is still processing.</summary>
    private async Task RenewAsync(long id, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var now = time.GetUtcNow();
        await scope.ServiceProvider.GetRequiredService<WeChatDbContext>().KnowledgeSources
            .Where(s => s.Id == id && s.State == KnowledgeSourceState.Processing)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.ProcessingSince, now), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The source's text (extracted from its file or HTML, or fetched) chunked; no chunks when the text is the one its
    /// stored chunks were made from (a refreshed page that did not change); the readable error when it cannot be indexed.
    /// </summary>
    private async Task<Indexed> IndexAsync(KnowledgeSource source, CancellationToken cancellationToken)
    {
        try
        {
            var document = await extractor.ExtractAsync(source, cancellationToken).ConfigureAwait(false);
            var title = source.TitleFromDocument && document.Title is { } own ? Truncate(own, KnowledgeSource.MaxTitle) : source.Title;
            var textHash = SourceIndexing.TextHash(source.Kind, title, document.Text, options.Value);
            // TextHash is kept only beside stored chunks (a failure clears it), so the same hash means they are this text's.
            return textHash == source.TextHash
                ? new Indexed(title, textHash, Chunks: null, Error: null)
                : new Indexed(title, textHash, SourceIndexing.Chunks(source, title, document.Text, options.Value, segmenter), Error: null);
        }
        catch (UnindexableSourceException ex)
        {
            return new Indexed(source.Title, null, null, Truncate(ex.Message, KnowledgeSource.MaxError));
        }
#pragma warning disable CA1031 // Extraction and chunking are this source's: whatever they throw on its content fails it, not the worker.
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            LogChunkingBug(logger, ex, source.Id);
            return new Indexed(source.Title, null, null, $"Indexing failed unexpectedly ({ex.GetType().Name}); the worker's log has the details.");
        }
    }

    /// <summary>Sets each chunk's vector; the model they came from, or null (no provider, or it failed: the source is embedded later).</summary>
    private async Task<string?> EmbedAsync(string title, List<KnowledgeChunk> chunks, CancellationToken cancellationToken)
    {
        if (!embedder.IsConfigured || chunks.Count == 0)
        {
            return null;
        }

        try
        {
            var vectors = await embedder.EmbedAsync([.. chunks.Select(c => KnowledgePassage.DocumentOf(title, c.Heading, c.Text))], cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < chunks.Count; i++)
            {
                chunks[i].Embedding = vectors[i];
            }

            return embedder.ModelKey;
        }
        catch (EmbeddingUnavailableException)
        {
            return null; // the embedder logged and counted it; the chunks go in without vectors
        }
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];

    /// <summary>
    /// The outcome in one transaction: the source's row first (locking it, and only while its content is the one
    /// chunked), then its chunks replaced — new chunks when <paramref name="chunks"/> is given, none when it failed,
    /// the stored ones when the content did not change. False when the source changed or went meanwhile.
    /// </summary>
    private async Task<bool> StoreAsync(
        WeChatDbContext db, KnowledgeSource source, Indexed outcome, string? embeddedWith, CancellationToken cancellationToken) =>
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
            var now = time.GetUtcNow();
            var (chunks, error) = (outcome.Chunks, outcome.Error);
            var ready = error is null;
            var count = chunks?.Count ?? (ready ? source.ChunkCount : 0);
            var rechunked = chunks is not null; // new chunks: the provider has not refused them yet
            var updated = await db.KnowledgeSources
                .Where(s => s.Id == source.Id && s.ContentHash == source.ContentHash && s.State == KnowledgeSourceState.Processing)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(x => x.State, ready ? KnowledgeSourceState.Ready : KnowledgeSourceState.Failed)
                    .SetProperty(x => x.Error, error)
                    .SetProperty(x => x.ChunkCount, count)
                    .SetProperty(x => x.IndexedHash, ready ? source.ContentHash : null)
                    .SetProperty(x => x.TextHash, ready ? outcome.TextHash : null)
                    .SetProperty(x => x.Title, outcome.Title)
                    .SetProperty(x => x.EmbeddingModel, chunks is null && ready ? source.EmbeddingModel : embeddedWith)
                    .SetProperty(x => x.ProcessingSince, (DateTimeOffset?)null)
                    .SetProperty(x => x.EmbeddingFailures, x => rechunked ? 0 : x.EmbeddingFailures)
                    .SetProperty(x => x.EmbeddingRetryAt, x => rechunked ? null : x.EmbeddingRetryAt)
                    .SetProperty(x => x.UpdatedAt, now), ct).ConfigureAwait(false);
            if (updated == 0)
            {
                return false;
            }

            if (chunks is not null || !ready)
            {
                await db.KnowledgeChunks.Where(c => c.SourceId == source.Id).ExecuteDeleteAsync(ct).ConfigureAwait(false);
                db.KnowledgeChunks.AddRange(chunks ?? []);
                await db.SaveChangesAsync(ct).ConfigureAwait(false);
            }

            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>What indexing a source gave: the title it goes by, the hash of its text, new chunks (null: the stored ones stand) or why it failed.</summary>
    private sealed record Indexed(string Title, string? TextHash, List<KnowledgeChunk>? Chunks, string? Error);

    [LoggerMessage(1, LogLevel.Information, "Knowledge source {SourceId} is ready: {Chunks} chunks {Vectors} vectors in {Milliseconds:F0} ms.")]
    private static partial void LogIndexed(ILogger logger, long sourceId, int chunks, string vectors, double milliseconds);

    [LoggerMessage(6, LogLevel.Information, "Knowledge source {SourceId} is ready: its content had not changed, its chunks stay.")]
    private static partial void LogUnchanged(ILogger logger, long sourceId);

    [LoggerMessage(2, LogLevel.Warning, "Knowledge source {SourceId} failed: {Reason}")]
    private static partial void LogUnindexable(ILogger logger, long sourceId, string reason);

    [LoggerMessage(3, LogLevel.Information, "Knowledge source {SourceId} changed or was deleted while it was indexed; its newer state stands.")]
    private static partial void LogSuperseded(ILogger logger, long sourceId);

    [LoggerMessage(5, LogLevel.Error, "Extracting or chunking knowledge source {SourceId} threw; it is marked failed.")]
    private static partial void LogChunkingBug(ILogger logger, Exception exception, long sourceId);

    [LoggerMessage(7, LogLevel.Warning, "Knowledge:AllowPrivateAddresses is on: pages added by URL may reach loopback and private addresses. For development only (tests); leave it off in production")]
    private static partial void LogPrivatePages(ILogger logger);

    [LoggerMessage(4, LogLevel.Warning, "Knowledge ingestion cannot reach PostgreSQL or Redis; a claimed source is taken up again after its lease.")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception);
}
