using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Knowledge;
using WeChatAi.Core.Knowledge;
using WeChatAi.Core.WeChat;
using WeChatAi.Core.WeChatApi;

namespace WeChatAi.Worker.Knowledge.Articles;

/// <summary>
/// Keeps one knowledge source per published article (kind <c>article</c>, keyed <c>{article_id}:{index}</c>) when an
/// operator asks (<c>POST /api/admin/knowledge/sync-articles</c> queues a run in <see cref="KnowledgeKeys.ArticleSync"/>):
/// pages through freepublish/batchget, creates the new, queues the changed for indexing, and — only after every page
/// was read — removes the sources of articles no longer published. The run's result is written back to the same key.
/// </summary>
internal sealed partial class ArticleSync(
    IServiceScopeFactory scopes, IConnectionMultiplexer redis, FreePublishClient wechat, IOptions<WeChatOptions> options,
    TimeProvider time, ILogger<ArticleSync> logger) : BackgroundService
{
    /// <summary>A bound on the pages read (20 articles each): a WeChat answer that never ends cannot hold the worker.</summary>
    private const int MaxPages = 1000;

    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(1);

    /// <summary>A run this old was left by a worker that died: a queued run may start (a thousand pages take minutes, not this).</summary>
    private static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failing = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await ClaimAsync().ConfigureAwait(false) is { } mark)
                {
                    await RunAsync(mark, stoppingToken).ConfigureAwait(false);
                }

                failing = false;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                if (!failing)
                {
                    LogStoreFailed(logger, ex);
                    failing = true;
                }
            }

            await Task.Delay(Idle, time, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Queued → running, on this one key, unless another worker's run holds it (<c>runningSince</c>, younger than
    /// <see cref="StaleAfter"/>: older, that worker died). Returns this run's mark, or null when there is nothing to run.
    /// </summary>
    private async Task<RedisValue?> ClaimAsync()
    {
        var db = redis.GetDatabase();
        var fields = (await db.HashGetAllAsync(KnowledgeKeys.ArticleSync).ConfigureAwait(false)).ToDictionary(f => f.Name.ToString(), f => f.Value);
        if (fields.GetValueOrDefault(ArticleSyncFields.State) != ArticleSyncFields.Queued)
        {
            return null;
        }

        var claim = db.CreateTransaction();
        claim.AddCondition(Condition.HashEqual(KnowledgeKeys.ArticleSync, ArticleSyncFields.State, ArticleSyncFields.Queued));
        if (fields.TryGetValue(ArticleSyncFields.RunningSince, out var since))
        {
            if (DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, out var started) && started > time.GetUtcNow() - StaleAfter)
            {
                return null; // another worker's run; the queued one follows it
            }

            claim.AddCondition(Condition.HashEqual(KnowledgeKeys.ArticleSync, ArticleSyncFields.RunningSince, since));
        }
        else
        {
            claim.AddCondition(Condition.HashNotExists(KnowledgeKeys.ArticleSync, ArticleSyncFields.RunningSince));
        }

        var mark = Now();
        _ = claim.HashSetAsync(KnowledgeKeys.ArticleSync,
            [new(ArticleSyncFields.State, ArticleSyncFields.Running), new(ArticleSyncFields.StartedAt, mark), new(ArticleSyncFields.RunningSince, mark)]);
        _ = claim.HashDeleteAsync(KnowledgeKeys.ArticleSync, [ArticleSyncFields.Error, ArticleSyncFields.FinishedAt]);
        return await claim.ExecuteAsync().ConfigureAwait(false) ? mark : (RedisValue?)null;
    }

    private async Task RunAsync(RedisValue mark, CancellationToken cancellationToken)
    {
        HashEntry[] result;
        string state;
        try
        {
            var articles = await ReadAllAsync(cancellationToken).ConfigureAwait(false);
            var (created, updated, removed) = await ApplyAsync(articles, cancellationToken).ConfigureAwait(false);
            if (created + updated + removed > 0)
            {
                await KnowledgeIndex.ChangedAsync(redis, local: null, cancellationToken).ConfigureAwait(false);
            }

            LogSynced(logger, articles.Count, created, updated, removed);
            state = ArticleSyncFields.Done;
            result = [Count(ArticleSyncFields.Articles, articles.Count), Count(ArticleSyncFields.Created, created), Count(ArticleSyncFields.Updated, updated),
                Count(ArticleSyncFields.Removed, removed)];
        }
        catch (Exception ex) when (ex is ArticleSyncException or WeChatApiException or HttpRequestException or DbException or TimeoutException
                                   && !cancellationToken.IsCancellationRequested)
        {
            LogFailed(logger, ex.Message);
            state = ArticleSyncFields.Failed;
            result = [new(ArticleSyncFields.Error, Reason(ex))];
        }

        await FinishAsync(mark, state, [.. result, new(ArticleSyncFields.FinishedAt, Now())]).ConfigureAwait(false);
    }

    /// <summary>The result written while this run still holds the key; its state too unless a new run was queued meanwhile (then that one follows).</summary>
    private async Task FinishAsync(RedisValue mark, string state, HashEntry[] result)
    {
        var db = redis.GetDatabase();
        foreach (var withState in new[] { true, false })
        {
            var finish = db.CreateTransaction();
            finish.AddCondition(Condition.HashEqual(KnowledgeKeys.ArticleSync, ArticleSyncFields.RunningSince, mark));
            if (withState)
            {
                finish.AddCondition(Condition.HashEqual(KnowledgeKeys.ArticleSync, ArticleSyncFields.State, ArticleSyncFields.Running));
            }

            _ = finish.HashSetAsync(KnowledgeKeys.ArticleSync, withState ? [.. result, new(ArticleSyncFields.State, state)] : result);
            _ = finish.HashDeleteAsync(KnowledgeKeys.ArticleSync, ArticleSyncFields.RunningSince);
            if (await finish.ExecuteAsync().ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>Every article WeChat lists as published, deleted ones left out.</summary>
    private async Task<List<SyncedArticle>> ReadAllAsync(CancellationToken cancellationToken)
    {
        var articles = new List<SyncedArticle>();
        var offset = 0;
        for (var pages = 0; pages < MaxPages; pages++)
        {
            var page = await wechat.BatchGetAsync(offset, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Item ?? [])
            {
                var news = item.Content?.NewsItem ?? [];
                for (var index = 0; index < news.Count; index++)
                {
                    if (!news[index].IsDeleted && SyncedArticle.From(item.ArticleId, index + 1, news[index]) is { } article)
                    {
                        articles.Add(article);
                    }
                }
            }

            offset += page.ItemCount;
            if (page.ItemCount == 0 || offset >= page.TotalCount)
            {
                return articles;
            }
        }

        throw new ArticleSyncException($"WeChat listed more than {MaxPages * FreePublishClient.PageSize} publications; nothing was removed.");
    }

    /// <summary>The sources made to match <paramref name="articles"/> in one transaction.</summary>
    private async Task<(int Created, int Updated, int Removed)> ApplyAsync(List<SyncedArticle> articles, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
        var appId = options.Value.AppId ?? "";
        return await db.InTransactionAsync(async () =>
        {
            var existing = await db.KnowledgeSources
                .Where(s => s.AppId == appId && s.Kind == KnowledgeSourceKind.Article)
                .Select(s => new { s.Id, s.ExternalId, s.ContentHash })
                .ToDictionaryAsync(s => s.ExternalId!, cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            int created = 0, updated = 0;
            foreach (var article in articles.DistinctBy(a => a.ExternalId))
            {
                var hash = SourceHash.Of(KnowledgeSourceKind.Article, article.Title, article.Html, article.Url);
                if (!existing.Remove(article.ExternalId, out var known))
                {
                    db.KnowledgeSources.Add(new KnowledgeSource
                    {
                        AppId = appId, Kind = KnowledgeSourceKind.Article, ExternalId = article.ExternalId, Title = article.Title, Url = article.Url,
                        Content = article.Html, ContentHash = hash, State = KnowledgeSourceState.Queued, CreatedAt = now, UpdatedAt = now,
                    });
                    created++;
                }
                else if (known.ContentHash != hash)
                {
                    await db.KnowledgeSources.Where(s => s.Id == known.Id).ExecuteUpdateAsync(s => s
                        .SetProperty(x => x.Title, article.Title).SetProperty(x => x.Url, article.Url).SetProperty(x => x.Content, article.Html)
                        .SetProperty(x => x.ContentHash, hash).SetProperty(x => x.State, KnowledgeSourceState.Queued).SetProperty(x => x.Error, (string?)null)
                        .SetProperty(x => x.ProcessingSince, (DateTimeOffset?)null).SetProperty(x => x.UpdatedAt, now), cancellationToken).ConfigureAwait(false);
                    updated++;
                }
            }

            // What is left was not listed: unpublished or deleted on WeChat.
            var gone = existing.Values.Select(s => s.Id).ToList();
            var removed = gone.Count == 0 ? 0 : await db.KnowledgeSources.Where(s => gone.Contains(s.Id)).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return (created, updated, removed);
        }, cancellationToken).ConfigureAwait(false);
    }

    private static string Reason(Exception ex) => ex switch
    {
        ArticleSyncException or WeChatApiException => ex.Message,
        HttpRequestException => $"WeChat's API could not be reached: {ex.Message}. Nothing was removed.",
        _ => $"The sync failed ({ex.GetType().Name}); the worker's log has the details. Nothing was removed.",
    };

    private RedisValue Now() => time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    private static HashEntry Count(string field, int value) => new(field, value);

    [LoggerMessage(1, LogLevel.Information, "Article sync: {Articles} published articles, {Created} sources created, {Updated} updated, {Removed} removed.")]
    private static partial void LogSynced(ILogger logger, int articles, int created, int updated, int removed);

    [LoggerMessage(2, LogLevel.Warning, "Article sync failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);

    [LoggerMessage(3, LogLevel.Warning, "Article sync cannot reach Redis; a queued sync waits.")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception);
}

/// <summary>A published article as a source takes it: its key, title (bounded, one line), link and HTML.</summary>
internal sealed record SyncedArticle(string ExternalId, string Title, string? Url, string Html)
{
    public static SyncedArticle? From(string articleId, int index, NewsItem news)
    {
        var externalId = $"{articleId}:{index}";
        if (string.IsNullOrEmpty(articleId) || externalId.Length > KnowledgeSource.MaxExternalId)
        {
            return null;
        }

        var title = Extraction.ExtractedDocument.OneLineOrNull(news.Title) ?? $"文章 {externalId}";
        var url = news.Url is { Length: > 0 and <= KnowledgeSource.MaxUrl } link ? link : null;
        return new SyncedArticle(externalId, title.Length > KnowledgeSource.MaxTitle ? title[..KnowledgeSource.MaxTitle] : title, url, news.Content ?? "");
    }
}
