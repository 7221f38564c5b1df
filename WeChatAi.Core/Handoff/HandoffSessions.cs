using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using StackExchange.Redis;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Handoff;
using WeChatAi.Core.Redis;

namespace WeChatAi.Core.Handoff;

/// <summary>
/// Open and closed sessions, shared by the API (the user's request, an operator's takeover and hand-back) and the worker
/// (a held job, the idle hand-back). PostgreSQL holds the session (one open per user: a partial unique index); the
/// user's field in the shard's <see cref="HandoffKeys.Open"/> hash is what admission and the worker read on every
/// message, so it is written after the row opens and removed after it closes.
/// </summary>
public sealed class HandoffSessions(IServiceScopeFactory scopes, IConnectionMultiplexer redis, JobShards shards)
{
    /// <summary>Whether the AI must stay silent for the user (one HEXISTS in the user's slot).</summary>
    public Task<bool> IsOpenAsync(string appId, string openId) =>
        redis.GetDatabase().HashExistsAsync(HandoffKeys.Open(shards.Of(openId), appId), openId);

    /// <summary>The user's open session, or a new one (<paramref name="assignee"/> set for an operator's takeover); Created: it is new.</summary>
    public async Task<(HandoffSession Session, bool Created)> OpenAsync(string appId, string openId, string? openedBy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
        var created = false;
        var session = await OpenSessionAsync(db, appId, openId, cancellationToken).ConfigureAwait(false);
        if (session is null)
        {
            session = new HandoffSession { AppId = appId, OpenId = openId, OpenedAt = now, OpenedBy = openedBy, Assignee = openedBy, LastActivityAt = now };
            db.HandoffSessions.Add(session);
            try
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                created = true;
            }
            catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                // Another replica opened it at the same moment: that one is the session.
                db.ChangeTracker.Clear();
                session = await OpenSessionAsync(db, appId, openId, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidOperationException("The open handoff session vanished while it was being opened.", ex);
            }
        }

        await redis.GetDatabase().HashSetAsync(HandoffKeys.Open(shards.Of(openId), appId), openId, session.Id).ConfigureAwait(false);
        return (session, created);
    }

    /// <summary>Closes the session if it is still open; false: someone (an operator, the sweep) closed it first.</summary>
    public async Task<bool> CloseAsync(HandoffSession session, string? closedBy, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
        var closed = await db.HandoffSessions.Where(s => s.Id == session.Id && s.ClosedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.ClosedAt, now).SetProperty(x => x.ClosedBy, closedBy).SetProperty(x => x.CloseReason, reason), cancellationToken)
            .ConfigureAwait(false) == 1;
        await redis.GetDatabase().HashDeleteAsync(HandoffKeys.Open(shards.Of(session.OpenId), session.AppId), session.OpenId).ConfigureAwait(false);
        return closed;
    }

    /// <summary>
    /// Records a user message held for a person, once per <paramref name="key"/> (WeChat's retries, a job read again),
    /// in the user's open session (or the last one, if it closed meanwhile), counting it unread.
    /// </summary>
    public async Task RecordUserMessageAsync(string appId, string openId, string key, string text, string? media, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
        var body = text.Length <= HandoffMessage.MaxText ? text : text[..HandoffMessage.MaxText];
        var preview = text.Length <= HandoffSession.MaxPreview ? text : text[..HandoffSession.MaxPreview];
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            WITH s AS (SELECT "Id" FROM handoff_sessions WHERE "AppId" = {appId} AND "OpenId" = {openId}
                       ORDER BY ("ClosedAt" IS NULL) DESC, "Id" DESC LIMIT 1),
                 added AS (INSERT INTO handoff_messages ("SessionId", "AppId", "OpenId", "Key", "Text", "Media", "At")
                           SELECT s."Id", {appId}, {openId}, {key}, {body}, {media}, {at} FROM s
                           ON CONFLICT ("AppId", "Key") DO NOTHING RETURNING "SessionId")
            UPDATE handoff_sessions SET "Unread" = "Unread" + 1, "LastPreview" = {preview}, "LastMessageAt" = {at}
            WHERE "Id" IN (SELECT "SessionId" FROM added)
            """, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes the account's markers agree with its open rows (the worker's sweep): a marker the open path failed to write
    /// (Redis away between the row and the marker) is written again, one left after its row closed is removed. Cheap:
    /// one HGETALL per shard (the hashes are known by number, no SCAN) and the open rows (a partial index).
    /// </summary>
    public async Task<(int Restored, int Removed)> ReconcileAsync(string appId, CancellationToken cancellationToken)
    {
        var redisDb = redis.GetDatabase();

        // Redis first: a marker is written only after its row opened, so one seen here whose row is not open in the read
        // that follows is stale (not a session opening meanwhile).
        var markers = await Task.WhenAll(shards.All.Select(shard => redisDb.HashGetAllAsync(HandoffKeys.Open(shard, appId)))).ConfigureAwait(false);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
        var open = await db.HandoffSessions.AsNoTracking().Where(s => s.AppId == appId && s.ClosedAt == null)
            .ToDictionaryAsync(s => s.OpenId, s => s.Id, cancellationToken).ConfigureAwait(false);

        var marked = markers.SelectMany(hash => hash).ToDictionary(m => m.Name.ToString(), m => (long)m.Value, StringComparer.Ordinal);
        var restored = open.Where(o => !marked.TryGetValue(o.Key, out var id) || id != o.Value).ToList();
        foreach (var (openId, id) in restored)
        {
            await redisDb.HashSetAsync(HandoffKeys.Open(shards.Of(openId), appId), openId, id).ConfigureAwait(false);
        }

        var stale = marked.Where(m => !open.ContainsKey(m.Key)).ToList();
        if (restored.Count > 0)
        {
            // A session closed between the read above and its marker written again: its close's HDEL may have gone first.
            var ids = restored.Select(r => r.Value).ToList();
            stale.AddRange(await db.HandoffSessions.AsNoTracking().Where(s => ids.Contains(s.Id) && s.ClosedAt != null)
                .Select(s => new KeyValuePair<string, long>(s.OpenId, s.Id)).ToListAsync(cancellationToken).ConfigureAwait(false));
        }

        var removed = 0;
        foreach (var (openId, id) in stale)
        {
            removed += await RemoveMarkerAsync(redisDb, appId, openId, id).ConfigureAwait(false) ? 1 : 0;
        }

        return (restored.Count, removed);
    }

    // Only if it still names that session: a new one may have opened and written its own since.
    private async Task<bool> RemoveMarkerAsync(IDatabase db, string appId, string openId, long sessionId)
    {
        var key = HandoffKeys.Open(shards.Of(openId), appId);
        var transaction = db.CreateTransaction();
        transaction.AddCondition(Condition.HashEqual(key, openId, sessionId));
        _ = transaction.HashDeleteAsync(key, openId);
        return await transaction.ExecuteAsync().ConfigureAwait(false);
    }

    private static Task<HandoffSession?> OpenSessionAsync(WeChatDbContext db, string appId, string openId, CancellationToken cancellationToken) =>
        db.HandoffSessions.FirstOrDefaultAsync(s => s.AppId == appId && s.OpenId == openId && s.ClosedAt == null, cancellationToken);
}
