using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Api.Admin;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Knowledge;
using WeChatAi.Core.Knowledge;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Api.Knowledge;

/// <summary>
/// The handlers of <c>/api/admin/knowledge</c>. A new or changed source is stored queued (202) for the worker to index;
/// a deletion leaves every replica's search within about a second (<see cref="KnowledgeIndex"/>). Every change is
/// audited in its transaction. Sources belong to the configured account (<c>WeChat:AppId</c>).
/// </summary>
internal static class KnowledgeApi
{
    public static async Task<Results<Ok<KnowledgeSourcePage>, ProblemHttpResult>> ListAsync(
        string? count, string? before, WeChatDbContext db, IOptions<WeChatOptions> wechat, IOptions<KnowledgeOptions> options, CancellationToken ct)
    {
        if (AdminPaging.Check(count, before, "a knowledge source", out var page) is { } problem)
        {
            return problem;
        }

        var appId = AppId(wechat);
        var found = await db.KnowledgeSources.AsNoTracking()
            .Where(s => s.AppId == appId && s.Id < page.Before)
            .OrderByDescending(s => s.Id).Take(page.Count + 1)
            .Select(KnowledgeSourceView.Columns)
            .ToListAsync(ct);
        var items = found.Take(page.Count).Select(KnowledgeSourceView.From).ToList();
        return TypedResults.Ok(new KnowledgeSourcePage(items, found.Count > page.Count ? items[^1].Id : null, options.Value.MaxUploadBytes));
    }

    public static async Task<Results<Ok<KnowledgeSourceView>, ProblemHttpResult>> GetAsync(
        long id, WeChatDbContext db, IOptions<WeChatOptions> wechat, CancellationToken ct)
    {
        var appId = AppId(wechat);
        var source = await db.KnowledgeSources.AsNoTracking().Where(s => s.Id == id && s.AppId == appId).Select(KnowledgeSourceView.Columns).FirstOrDefaultAsync(ct);
        return source is null ? NotFound(id) : TypedResults.Ok(KnowledgeSourceView.From(source));
    }

    public static async Task<Results<Accepted<KnowledgeSourceAccepted>, ProblemHttpResult>> CreateAsync(
        HttpContext http, WeChatDbContext db, AdminAudit audit, IOptions<WeChatOptions> wechat, IOptions<KnowledgeOptions> options, TimeProvider time, CancellationToken ct)
    {
        var (input, problem) = await KnowledgeSourceInput.ReadAsync(http.Request, options.Value, ct);
        if (input is null)
        {
            return problem!;
        }

        var now = time.GetUtcNow();
        var source = new KnowledgeSource { AppId = AppId(wechat), Title = input.Title, Content = input.Content, ContentHash = input.Hash, CreatedAt = now };
        input.ApplyTo(source, now);

        // The audit row needs the source's id: both commit in one transaction.
        await db.InTransactionAsync(async () =>
        {
            db.KnowledgeSources.Add(source);
            await db.SaveChangesAsync(ct);
            audit.Add(db, http, "knowledge.create", Target(source.Id), Detail(source));
            await db.SaveChangesAsync(ct);
            return true;
        }, ct);
        return Accepted(source);
    }

    public static async Task<Results<Accepted<KnowledgeSourceAccepted>, ProblemHttpResult>> UpdateAsync(
        long id, HttpContext http, WeChatDbContext db, AdminAudit audit, IOptions<WeChatOptions> wechat, IOptions<KnowledgeOptions> options, TimeProvider time, CancellationToken ct)
    {
        var (input, problem) = await KnowledgeSourceInput.ReadAsync(http.Request, options.Value, ct);
        if (input is null)
        {
            return problem!;
        }

        var appId = AppId(wechat);
        var source = await db.KnowledgeSources.FirstOrDefaultAsync(s => s.Id == id && s.AppId == appId, ct);
        if (source is null)
        {
            return NotFound(id);
        }

        if (source.Kind == KnowledgeSourceKind.Article)
        {
            return ArticleProblem(id);
        }

        // The same content again changes nothing: no re-chunking, no audit row.
        if (source.ContentHash == input.Hash && source.State != KnowledgeSourceState.Failed)
        {
            return Accepted(source);
        }

        var detail = Detail(source, "from");
        input.ApplyTo(source, time.GetUtcNow());
        foreach (var (name, value) in Detail(source))
        {
            detail[name] = value;
        }

        audit.Add(db, http, "knowledge.update", Target(id), detail);
        await db.SaveChangesAsync(ct);
        return Accepted(source);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        long id, HttpContext http, WeChatDbContext db, AdminAudit audit, IOptions<WeChatOptions> wechat, IConnectionMultiplexer redis, KnowledgeIndex index, CancellationToken ct)
    {
        var appId = AppId(wechat);
        var deleted = await db.InTransactionAsync(async () =>
        {
            var source = await db.KnowledgeSources.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id && s.AppId == appId, ct);
            if (source is null || await db.KnowledgeSources.Where(s => s.Id == id).ExecuteDeleteAsync(ct) == 0)
            {
                return false;
            }

            audit.Add(db, http, "knowledge.delete", Target(id), Detail(source));
            await db.SaveChangesAsync(ct);
            return true;
        }, ct);
        if (!deleted)
        {
            return NotFound(id);
        }

        await KnowledgeIndex.ChangedAsync(redis, index, ct);
        return TypedResults.NoContent();
    }

    /// <summary>A page fetched again (an article or file extracted again): queued; its chunks are replaced only if its text changed.</summary>
    public static async Task<Results<Accepted<KnowledgeSourceAccepted>, ProblemHttpResult>> RefreshAsync(
        long id, HttpContext http, WeChatDbContext db, AdminAudit audit, IOptions<WeChatOptions> wechat, TimeProvider time, CancellationToken ct)
    {
        var appId = AppId(wechat);
        var source = await db.KnowledgeSources.FirstOrDefaultAsync(s => s.Id == id && s.AppId == appId, ct);
        if (source is null)
        {
            return NotFound(id);
        }

        // IndexedHash cleared: the worker extracts (fetches) again; TextHash tells it whether to re-chunk.
        source.State = KnowledgeSourceState.Queued;
        source.IndexedHash = null;
        source.Error = null;
        source.ProcessingSince = null;
        source.UpdatedAt = time.GetUtcNow();
        audit.Add(db, http, "knowledge.refresh", Target(id), Detail(source));
        await db.SaveChangesAsync(ct);
        return Accepted(source);
    }

    /// <summary>Queues a sync of the account's published articles (the worker runs it; one queued while another runs follows it).</summary>
    public static async Task<Accepted<ArticleSyncView>> SyncArticlesAsync(
        HttpContext http, WeChatDbContext db, AdminAudit audit, IConnectionMultiplexer redis, TimeProvider time, CancellationToken ct)
    {
        var store = redis.GetDatabase();
        await store.HashSetAsync(KnowledgeKeys.ArticleSync,
            [new(ArticleSyncFields.State, ArticleSyncFields.Queued), new(ArticleSyncFields.RequestedAt, time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture))]);
        audit.Add(db, http, "knowledge.sync-articles", "knowledge:articles");
        await db.SaveChangesAsync(ct);
        return TypedResults.Accepted("/api/admin/knowledge/sync-articles", ArticleSyncView.From(await store.HashGetAllAsync(KnowledgeKeys.ArticleSync)));
    }

    public static async Task<Ok<ArticleSyncView>> GetArticleSyncAsync(IConnectionMultiplexer redis) =>
        TypedResults.Ok(ArticleSyncView.From(await redis.GetDatabase().HashGetAllAsync(KnowledgeKeys.ArticleSync)));

    public static async Task<Results<Ok<KnowledgeSearchResponse>, ProblemHttpResult>> SearchAsync(
        HttpContext http, KnowledgeIndex index, IOptions<KnowledgeAnswerOptions> answering, CancellationToken ct)
    {
        var (body, problem) = await AdminRequests.ReadJsonAsync(http.Request, KnowledgeJson.Default.KnowledgeSearchRequest, "a JSON object with query and top", ct);
        if (body is null)
        {
            return problem!;
        }

        if (string.IsNullOrWhiteSpace(body.Query) || body.Query.Length > KnowledgeSearchRequest.MaxQueryChars)
        {
            return AdminRequests.BadRequest($"query must be 1 to {KnowledgeSearchRequest.MaxQueryChars} characters (not only spaces).");
        }

        if (body.Top is < 1 or > KnowledgeSearchRequest.MaxTop)
        {
            return AdminRequests.BadRequest($"top must be between 1 and {KnowledgeSearchRequest.MaxTop}.");
        }

        // Ranked as the worker ranks a question, so the answer shows which passages it would send and cite.
        var settings = answering.Value;
        var top = body.Top ?? KnowledgeSearchRequest.DefaultTop;
        var pool = await index.SearchAsync(body.Query, Math.Max(top, settings.Pool), ct);
        var sent = settings.Mode == KnowledgeMode.Off ? [] : settings.Sent(pool.Take(settings.Pool));
        var cited = KnowledgeCitation.Line(new ExchangeKnowledge([.. sent.Select(KnowledgeCitation.Used)], Missed: false));
        return TypedResults.Ok(new KnowledgeSearchResponse(
            [.. pool.Take(top).Select(r => KnowledgeSearchResult.From(r, sent.Contains(r)))], settings.MinScore, cited));
    }

    /// <summary>A source's chunks in order, a page at a time (<c>?after=</c> the last ordinal shown): what the worker made of it.</summary>
    public static async Task<Results<Ok<KnowledgeChunkPage>, ProblemHttpResult>> ChunksAsync(
        long id, string? count, string? after, WeChatDbContext db, IOptions<WeChatOptions> wechat, CancellationToken ct)
    {
        if (AdminPaging.CheckCount(count, out var size) is { } problem)
        {
            return problem;
        }

        if (!AdminPaging.TryParseWhole(after, -1, 0, int.MaxValue, out var last))
        {
            return AdminRequests.BadRequest("after must be a chunk's ordinal (a whole number from 0).");
        }

        var appId = AppId(wechat);
        if (!await db.KnowledgeSources.AnyAsync(s => s.Id == id && s.AppId == appId, ct))
        {
            return NotFound(id);
        }

        var found = await db.KnowledgeChunks.AsNoTracking()
            .Where(c => c.SourceId == id && c.Ordinal > last)
            .OrderBy(c => c.Ordinal).Take(size + 1)
            .Select(c => new KnowledgeChunkView(c.Id, c.Ordinal, c.Heading, c.Text))
            .ToListAsync(ct);
        var items = found.Take(size).ToList();
        return TypedResults.Ok(new KnowledgeChunkPage(items, found.Count > size ? items[^1].Ordinal : null));
    }

    private static ProblemHttpResult ArticleProblem(long id) => TypedResults.Problem(
        $"Knowledge source {id} is a published article: the article sync keeps it (edit the article on WeChat, then sync).", statusCode: StatusCodes.Status409Conflict);

    public static string AppId(IOptions<WeChatOptions> wechat) => wechat.Value.AppId ?? "";

    private static Accepted<KnowledgeSourceAccepted> Accepted(KnowledgeSource source) =>
        TypedResults.Accepted($"/api/admin/knowledge/sources/{source.Id}", new KnowledgeSourceAccepted(source.Id, KnowledgeSourceView.Name(source.State)));

    public static string Target(long id) => $"knowledge:{id}";

    /// <summary>What the audit row keeps of a source: its kind, title and size, not its text (the row holds at most 4 KB).</summary>
    public static Dictionary<string, string?> Detail(KnowledgeSource source, string prefix = "")
    {
        string Name(string name) => prefix.Length == 0 ? name : prefix + char.ToUpperInvariant(name[0]) + name[1..];
        return new Dictionary<string, string?>
        {
            [Name("kind")] = KnowledgeSourceView.Name(source.Kind),
            [Name("title")] = source.Title,
            [Name("chars")] = source.Content.Length.ToString(CultureInfo.InvariantCulture),
            [Name("bytes")] = source.File?.Length.ToString(CultureInfo.InvariantCulture),
            [Name("url")] = source.Url is { Length: > 300 } url ? url[..300] : source.Url,
            [Name("hash")] = source.ContentHash[..12],
        };
    }

    private static ProblemHttpResult NotFound(long id) => TypedResults.Problem($"No knowledge source {id}.", statusCode: StatusCodes.Status404NotFound);
}
