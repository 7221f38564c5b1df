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
/// indexed, or the model (or its dimensions) changed — every <c>Knowledge:EmbeddingRetrySeconds</c>, oldest first, until
/// the provider fails again. A source's vectors are written with its model in one transaction, only while its chunks
/// are still the ones embedded, so a replica never loads vectors of two models side by side. Two workers may embed the
/// same source at once: both write the same vectors, a waste and not a harm, not worth a lock.
/// </summary>
internal sealed partial class KnowledgeEmbedding(
    IServiceScopeFactory scopes, IConnectionMultiplexer redis, KnowledgeEmbedder embedder, IOptions<VectorOptions> options,
    TimeProvider time, ILogger<KnowledgeEmbedding> logger) : BackgroundService
{
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
                while (await EmbedNextAsync(model, stoppingToken).ConfigureAwait(false))
                {
                }

                failing = false;
            }
            catch (EmbeddingUnavailableException)
            {
                // Logged and counted by the embedder; the next round tries again.
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

    /// <summary>Embeds one source that lacks the model's vectors; false when none does.</summary>
    private async Task<bool> EmbedNextAsync(string model, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
        var source = await db.KnowledgeSources.AsNoTracking()
            .Where(s => s.State == KnowledgeSourceState.Ready && s.ChunkCount > 0 && (s.EmbeddingModel == null || s.EmbeddingModel != model))
            .OrderBy(s => s.Id).Select(s => new { s.Id, s.Title, s.IndexedHash })
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (source is null)
        {
            return false;
        }

        var chunks = await db.KnowledgeChunks.AsNoTracking().Where(c => c.SourceId == source.Id).OrderBy(c => c.Ordinal)
            .Select(c => new { c.Id, c.Heading, c.Text }).ToListAsync(cancellationToken).ConfigureAwait(false);
        var vectors = await embedder.EmbedAsync([.. chunks.Select(c => KnowledgePassage.DocumentOf(source.Title, c.Heading, c.Text))], cancellationToken).ConfigureAwait(false);

        var stored = await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);

            // The source's row first (locking it against a re-index), and only while its chunks are the ones embedded.
            var updated = await db.KnowledgeSources
                .Where(s => s.Id == source.Id && s.IndexedHash == source.IndexedHash && s.State == KnowledgeSourceState.Ready)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.EmbeddingModel, model), ct).ConfigureAwait(false);
            if (updated == 0)
            {
                return false;
            }

            for (var i = 0; i < chunks.Count; i++)
            {
                var (id, vector) = (chunks[i].Id, vectors[i]);
                await db.KnowledgeChunks.Where(c => c.Id == id).ExecuteUpdateAsync(c => c.SetProperty(x => x.Embedding, vector), ct).ConfigureAwait(false);
            }

            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        if (stored)
        {
            await KnowledgeIndex.ChangedAsync(redis, local: null, cancellationToken).ConfigureAwait(false);
            LogEmbedded(logger, source.Id, chunks.Count, model);
        }

        return true;
    }

    [LoggerMessage(1, LogLevel.Information, "Knowledge source {SourceId}: {Chunks} chunks embedded with {Model}.")]
    private static partial void LogEmbedded(ILogger logger, long sourceId, int chunks, string model);

    [LoggerMessage(2, LogLevel.Warning, "Embedding knowledge sources cannot reach PostgreSQL or Redis; the next round tries again.")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception);
}
