using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Knowledge;
using WeChatAi.Core.Knowledge;
using WeChatAi.Core.Knowledge.Vectors;

namespace WeChatAi.Worker.Knowledge;

/// <summary>
/// Embeds ready sources whose chunks have no vectors of the configured model — the provider was down when they were
/// indexed, or the model (or its dimensions) changed — every <c>Knowledge:EmbeddingRetrySeconds</c>, oldest first. Each
/// source is claimed in PostgreSQL first (<c>EmbeddingClaimedUntil</c>, <c>FOR UPDATE SKIP LOCKED</c>, renewed while it
/// embeds), so two workers never embed the same one. A source the provider refuses for itself (a 4xx on its texts) is
/// backed off (<c>EmbeddingRetryAt</c>, doubling per refusal) and the round goes on with the others; a provider that is
/// down (5xx, timeout, no answer) ends the round, to be tried again next round. A source's vectors are written with its
/// model in one transaction, only while its chunks are still the ones embedded, so a replica never loads vectors of two
/// models side by side.
/// </summary>
internal sealed partial class KnowledgeEmbedding(
    IServiceScopeFactory scopes, IConnectionMultiplexer redis, KnowledgeEmbedder embedder, IOptions<VectorOptions> options,
    TimeProvider time, ILogger<KnowledgeEmbedding> logger) : BackgroundService
{
    /// <summary>How long a claim holds without renewal (renewed every quarter of it while the worker embeds).</summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(2);

    /// <summary>The first wait after a refusal (at least the round's interval), doubled per refusal in a row up to <see cref="MaxBackoff"/>.</summary>
    public static readonly TimeSpan FirstBackoff = TimeSpan.FromMinutes(5);

    public static readonly TimeSpan MaxBackoff = TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (embedder.ModelKey is not { } model)
        {
            return; // no provider configured: keyword ranking alone, nothing to embed
        }

        var interval = TimeSpan.FromSeconds(options.Value.EmbeddingRetrySeconds);
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
            try
            {
                while (await EmbedNextAsync(model, interval, stoppingToken).ConfigureAwait(false))
                {
                }

                failing = false;
            }
            catch (EmbeddingUnavailableException)
            {
                // The provider is down: logged and counted by the embedder; the next round tries again.
            }
            catch (Exception ex) when (ex is DbException or RedisException or TimeoutException or InvalidOperationException && !stoppingToken.IsCancellationRequested)
            {
                if (!failing)
                {
                    LogStoreFailed(logger, ex);
                    failing = true;
                }
            }
        }
    }

    /// <summary>Claims and embeds one source that lacks the model's vectors; false when none is waiting.</summary>
    /// <exception cref="EmbeddingUnavailableException">The provider is down (not a refusal of this source's texts).</exception>
    private async Task<bool> EmbedNextAsync(string model, TimeSpan interval, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
        var now = time.GetUtcNow();
        var until = now + ClaimLease;
        var claimed = await db.Database.SqlQuery<long>($"""
            UPDATE knowledge_sources SET "EmbeddingClaimedUntil" = {until}
            WHERE "Id" = (
                SELECT "Id" FROM knowledge_sources
                WHERE "State" = 'Ready' AND "ChunkCount" > 0 AND ("EmbeddingModel" IS NULL OR "EmbeddingModel" <> {model})
                  AND ("EmbeddingClaimedUntil" IS NULL OR "EmbeddingClaimedUntil" < {now})
                  AND ("EmbeddingRetryAt" IS NULL OR "EmbeddingRetryAt" <= {now})
                ORDER BY "Id" LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING "Id" AS "Value"
            """).ToListAsync(cancellationToken).ConfigureAwait(false);
        if (claimed.Count == 0)
        {
            return false;
        }

        var id = claimed[0];
        var source = await db.KnowledgeSources.AsNoTracking().Where(s => s.Id == id)
            .Select(s => new { s.Id, s.Title, s.IndexedHash, s.EmbeddingFailures }).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (source is null)
        {
            return true; // deleted since the claim
        }

        var chunks = await db.KnowledgeChunks.AsNoTracking().Where(c => c.SourceId == id).OrderBy(c => c.Ordinal)
            .Select(c => new { c.Id, c.Heading, c.Text }).ToListAsync(cancellationToken).ConfigureAwait(false);
        float[][] vectors;
        try
        {
            await using (ClaimRenewal.Start(ct => SetClaimAsync(id, time.GetUtcNow() + ClaimLease, ct), ClaimLease / 4, time, cancellationToken))
            {
                vectors = await embedder.EmbedAsync([.. chunks.Select(c => KnowledgePassage.DocumentOf(source.Title, c.Heading, c.Text))], cancellationToken).ConfigureAwait(false);
            }
        }
        catch (EmbeddingUnavailableException ex)
        {
            if (!ex.RefusedTheInput)
            {
                await SetClaimAsync(id, null, cancellationToken).ConfigureAwait(false);
                throw;
            }

            // Refused for itself: it waits (longer each time), the others go on.
            var backoff = Backoff(source.EmbeddingFailures + 1, interval);
            await db.KnowledgeSources.Where(s => s.Id == id).ExecuteUpdateAsync(s => s
                .SetProperty(x => x.EmbeddingFailures, x => x.EmbeddingFailures + 1)
                .SetProperty(x => x.EmbeddingRetryAt, time.GetUtcNow() + backoff)
                .SetProperty(x => x.EmbeddingClaimedUntil, (DateTimeOffset?)null), cancellationToken).ConfigureAwait(false);
            LogRefused(logger, id, source.EmbeddingFailures + 1, backoff);
            return true;
        }

        var stored = await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);

            // The source's row first (locking it against a re-index), and only while its chunks are the ones embedded.
            var updated = await db.KnowledgeSources
                .Where(s => s.Id == id && s.IndexedHash == source.IndexedHash && s.State == KnowledgeSourceState.Ready)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(x => x.EmbeddingModel, model)
                    .SetProperty(x => x.EmbeddingFailures, 0)
                    .SetProperty(x => x.EmbeddingRetryAt, (DateTimeOffset?)null)
                    .SetProperty(x => x.EmbeddingClaimedUntil, (DateTimeOffset?)null), ct).ConfigureAwait(false);
            if (updated == 0)
            {
                return false;
            }

            for (var i = 0; i < chunks.Count; i++)
            {
                var (chunkId, vector) = (chunks[i].Id, vectors[i]);
                await db.KnowledgeChunks.Where(c => c.Id == chunkId).ExecuteUpdateAsync(c => c.SetProperty(x => x.Embedding, vector), ct).ConfigureAwait(false);
            }

            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        if (stored)
        {
            await KnowledgeIndex.ChangedAsync(redis, local: null, cancellationToken).ConfigureAwait(false);
            LogEmbedded(logger, id, chunks.Count, model);
        }
        else
        {
            await SetClaimAsync(id, null, cancellationToken).ConfigureAwait(false); // re-indexed meanwhile: the next round sees its new chunks
        }

        return true;
    }

    /// <summary>The wait after the <paramref name="failures"/>th refusal in a row: <see cref="FirstBackoff"/> (or the round's interval if longer), doubled each time, at most <see cref="MaxBackoff"/>.</summary>
    internal static TimeSpan Backoff(int failures, TimeSpan interval)
    {
        var first = interval > FirstBackoff ? interval : FirstBackoff;
        var factor = Math.Pow(2, Math.Min(failures - 1, 20));
        return TimeSpan.FromSeconds(Math.Min(first.TotalSeconds * factor, MaxBackoff.TotalSeconds));
    }

    /// <summary>Renews (or, with null, releases) this worker's claim on the source.</summary>
    private async Task SetClaimAsync(long id, DateTimeOffset? until, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<WeChatDbContext>().KnowledgeSources.Where(s => s.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.EmbeddingClaimedUntil, until), cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(1, LogLevel.Information, "Knowledge source {SourceId}: {Chunks} chunks embedded with {Model}.")]
    private static partial void LogEmbedded(ILogger logger, long sourceId, int chunks, string model);

    [LoggerMessage(3, LogLevel.Warning, "Knowledge source {SourceId}: the embedding provider refused its chunks ({Failures} times in a row); it waits {Backoff} while the others are embedded.")]
    private static partial void LogRefused(ILogger logger, long sourceId, int failures, TimeSpan backoff);

    [LoggerMessage(2, LogLevel.Warning, "Embedding knowledge sources cannot reach PostgreSQL or Redis; the next round tries again.")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception);
}
