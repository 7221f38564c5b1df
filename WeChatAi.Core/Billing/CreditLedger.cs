using Microsoft.EntityFrameworkCore;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Billing;

namespace WeChatAi.Core.Billing;

/// <summary>The row a ledger operation wrote, or found already written under its key (<see cref="Applied"/> false).</summary>
public sealed record LedgerResult(CreditEntry Entry, bool Applied);

/// <param name="Credits">What the user can spend now: the valid grants' remainders (and rows no grant covers).</param>
/// <param name="NextExpiry">When the earliest valid grant with credits left expires.</param>
/// <param name="Watermark">The user's last ledger row id: what a Redis balance loaded from this includes.</param>
public sealed record CreditBalance(int Credits, DateTimeOffset? NextExpiry, long Watermark);

/// <summary>
/// The append-only credit ledger. Every operation runs inside the caller's PostgreSQL transaction (money moves with
/// the order it belongs to), takes the user's advisory lock (one user's rows are written one transaction at a time,
/// so their ids grow in commit order) and is idempotent on its key: the second call returns the first row.
/// Uses and give-backs draw from the earliest-expiring valid grant, so expiry and refunds know what is left of each.
/// </summary>
public sealed class CreditLedger(TimeProvider time)
{
    /// <summary>Grants <paramref name="credits"/> valid for <paramref name="validityDays"/> days (key e.g. <c>grant:{out_trade_no}</c>).</summary>
    public async Task<LedgerResult> GrantAsync(
        WeChatDbContext db, string appId, string openId, int credits, int validityDays, string key, long? orderId = null, string? note = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(credits);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(validityDays);
        var now = time.GetUtcNow();
        return await WriteAsync(db, appId, openId, key, () => Task.FromResult(new CreditEntry
        {
            AppId = appId,
            OpenId = openId,
            Kind = CreditEntryKind.Grant,
            Credits = credits,
            IdempotencyKey = key,
            ExpiresAt = now.AddDays(validityDays),
            OrderId = orderId,
            CreatedAt = now,
            Note = note,
        }), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One credit used by the question <paramref name="jobId"/> at <paramref name="at"/> (key <c>use:{jobId}</c>).</summary>
    public async Task<LedgerResult> UseAsync(WeChatDbContext db, string appId, string openId, string jobId, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        await WriteAsync(db, appId, openId, UseKey(jobId), async () =>
        {
            var grant = (await GrantsAsync(db, appId, openId, cancellationToken).ConfigureAwait(false))
                .Where(g => g.ExpiresAt > at && g.Remaining > 0)
                .OrderBy(g => g.ExpiresAt).ThenBy(g => g.Id)
                .FirstOrDefault();
            return new CreditEntry
            {
                AppId = appId,
                OpenId = openId,
                Kind = CreditEntryKind.Use,
                Credits = -1,
                IdempotencyKey = UseKey(jobId),
                GrantId = grant?.Id,
                JobId = jobId,

                // A replica's clock ahead of ours must not date a use in the future.
                CreatedAt = at < time.GetUtcNow() ? at : time.GetUtcNow(),
            };
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>The credit of <paramref name="jobId"/> back (dead-lettered or blocked; key <c>giveback:{jobId}</c>), to the grant it came from.</summary>
    public async Task<LedgerResult> GiveBackAsync(
        WeChatDbContext db, string appId, string openId, string jobId, string? reason = null, CancellationToken cancellationToken = default) =>
        await WriteAsync(db, appId, openId, GiveBackKey(jobId), async () =>
        {
            var now = time.GetUtcNow();
            var use = await db.CreditLedger.AsNoTracking().FirstOrDefaultAsync(e => e.IdempotencyKey == UseKey(jobId), cancellationToken).ConfigureAwait(false);
            long? grantId = null;
            if (use?.GrantId is { } usedGrant
                && await db.CreditLedger.AnyAsync(g => g.Id == usedGrant && g.ExpiresAt > now, cancellationToken).ConfigureAwait(false))
            {
                grantId = usedGrant;
            }

            return new CreditEntry
            {
                AppId = appId,
                OpenId = openId,
                Kind = CreditEntryKind.GiveBack,
                Credits = 1,
                IdempotencyKey = GiveBackKey(jobId),
                GrantId = grantId,
                JobId = jobId,
                CreatedAt = now,
                Note = reason,
            };
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Takes back what is left of <paramref name="grantId"/> (a refund; key e.g. <c>reverse:{out_refund_no}</c>); the row's
    /// <see cref="CreditEntry.Credits"/> is minus what was taken, 0 when nothing was left.
    /// </summary>
    public async Task<LedgerResult> ReverseAsync(WeChatDbContext db, long grantId, string key, string? note = null, CancellationToken cancellationToken = default)
    {
        var grant = await db.CreditLedger.AsNoTracking().FirstOrDefaultAsync(g => g.Id == grantId && g.Kind == CreditEntryKind.Grant, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Ledger row {grantId} is not a grant.");
        return await WriteAsync(db, grant.AppId, grant.OpenId, key, async () =>
        {
            var remaining = await RemainingAsync(db, grant, cancellationToken).ConfigureAwait(false);
            return new CreditEntry
            {
                AppId = grant.AppId,
                OpenId = grant.OpenId,
                Kind = CreditEntryKind.Reversal,
                Credits = -remaining,
                IdempotencyKey = key,
                GrantId = grant.Id,
                OrderId = grant.OrderId,
                CreatedAt = time.GetUtcNow(),
                Note = note,
            };
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes an expiry row for every grant past its expiry by more than <paramref name="grace"/> with credits left
    /// (key <c>expiry:{grantId}</c>); the grace lets uses from before the expiry reach the ledger first.
    /// </summary>
    public async Task<IReadOnlyList<CreditEntry>> ExpireAsync(WeChatDbContext db, TimeSpan grace, int limit = 500, CancellationToken cancellationToken = default)
    {
        var cutoff = time.GetUtcNow() - grace;
        var due = await db.CreditLedger.AsNoTracking()
            .Where(g => g.Kind == CreditEntryKind.Grant && g.ExpiresAt < cutoff
                && g.Credits + (db.CreditLedger.Where(r => r.GrantId == g.Id).Sum(r => (int?)r.Credits) ?? 0) > 0)
            .OrderBy(g => g.Id)
            .Take(limit)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var written = new List<CreditEntry>(due.Count);
        foreach (var grant in due)
        {
            var result = await WriteAsync(db, grant.AppId, grant.OpenId, $"expiry:{grant.Id}", async () => new CreditEntry
            {
                AppId = grant.AppId,
                OpenId = grant.OpenId,
                Kind = CreditEntryKind.Expiry,
                Credits = -await RemainingAsync(db, grant, cancellationToken).ConfigureAwait(false),
                IdempotencyKey = $"expiry:{grant.Id}",
                GrantId = grant.Id,
                OrderId = grant.OrderId,
                CreatedAt = time.GetUtcNow(),
            }, cancellationToken).ConfigureAwait(false);
            if (result.Applied)
            {
                written.Add(result.Entry);
            }
        }

        return written;
    }

    /// <summary>The user's balance now, from the ledger alone (for a consistent watermark, read it in a repeatable-read transaction).</summary>
    public async Task<CreditBalance> BalanceAsync(WeChatDbContext db, string appId, string openId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var grants = await GrantsAsync(db, appId, openId, cancellationToken).ConfigureAwait(false);
        var uncovered = await db.CreditLedger
            .Where(e => e.AppId == appId && e.OpenId == openId && e.Kind != CreditEntryKind.Grant && e.GrantId == null)
            .SumAsync(e => (int?)e.Credits, cancellationToken).ConfigureAwait(false) ?? 0;
        var watermark = await db.CreditLedger.Where(e => e.AppId == appId && e.OpenId == openId)
            .MaxAsync(e => (long?)e.Id, cancellationToken).ConfigureAwait(false) ?? 0;
        var valid = grants.Where(g => g.ExpiresAt > now && g.Remaining > 0).ToList();
        return new CreditBalance(
            Math.Max(0, valid.Sum(g => g.Remaining) + uncovered),
            valid.Count == 0 ? null : valid.Min(g => g.ExpiresAt),
            watermark);
    }

    /// <summary>The credits each of <paramref name="openIds"/> can spend now (as <see cref="BalanceAsync"/>), in two queries for a page of users.</summary>
    public async Task<Dictionary<string, int>> BalancesAsync(WeChatDbContext db, string appId, IReadOnlyCollection<string> openIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var now = time.GetUtcNow();
        var grants = await db.CreditLedger
            .Where(g => g.AppId == appId && openIds.Contains(g.OpenId) && g.Kind == CreditEntryKind.Grant && g.ExpiresAt > now)
            .Select(g => new { g.OpenId, Remaining = g.Credits + (db.CreditLedger.Where(r => r.GrantId == g.Id).Sum(r => (int?)r.Credits) ?? 0) })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var uncovered = await db.CreditLedger
            .Where(e => e.AppId == appId && openIds.Contains(e.OpenId) && e.Kind != CreditEntryKind.Grant && e.GrantId == null)
            .GroupBy(e => e.OpenId)
            .Select(g => new { OpenId = g.Key, Credits = g.Sum(e => e.Credits) })
            .ToDictionaryAsync(g => g.OpenId, g => g.Credits, cancellationToken).ConfigureAwait(false);
        return openIds.Distinct().ToDictionary(
            o => o,
            o => Math.Max(0, grants.Where(g => g.OpenId == o && g.Remaining > 0).Sum(g => g.Remaining) + uncovered.GetValueOrDefault(o)));
    }

    public static string UseKey(string jobId) => $"use:{jobId}";

    public static string GiveBackKey(string jobId) => $"giveback:{jobId}";

    private static async Task<LedgerResult> WriteAsync(
        WeChatDbContext db, string appId, string openId, string key, Func<Task<CreditEntry>> create, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Ledger operations run inside the caller's transaction (db.Database.BeginTransactionAsync).");
        }

        // Serialises one user's ledger writes across transactions and replicas without needing a user row.
        await db.Database.ExecuteSqlInterpolatedAsync($"SELECT pg_advisory_xact_lock(hashtextextended({appId + ":" + openId}, 0))", cancellationToken).ConfigureAwait(false);
        var existing = await db.CreditLedger.AsNoTracking().FirstOrDefaultAsync(e => e.IdempotencyKey == key, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return new LedgerResult(existing, Applied: false);
        }

        var entry = await create().ConfigureAwait(false);
        db.CreditLedger.Add(entry);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        db.Entry(entry).State = EntityState.Detached;
        return new LedgerResult(entry, Applied: true);
    }

    private static async Task<int> RemainingAsync(WeChatDbContext db, CreditEntry grant, CancellationToken cancellationToken) =>
        Math.Max(0, grant.Credits + (await db.CreditLedger.Where(r => r.GrantId == grant.Id).SumAsync(r => (int?)r.Credits, cancellationToken).ConfigureAwait(false) ?? 0));

    private static Task<List<GrantRemainder>> GrantsAsync(WeChatDbContext db, string appId, string openId, CancellationToken cancellationToken) =>
        db.CreditLedger
            .Where(g => g.AppId == appId && g.OpenId == openId && g.Kind == CreditEntryKind.Grant)
            .Select(g => new GrantRemainder(g.Id, g.ExpiresAt!.Value, g.Credits + (db.CreditLedger.Where(r => r.GrantId == g.Id).Sum(r => (int?)r.Credits) ?? 0)))
            .ToListAsync(cancellationToken);

    private sealed record GrantRemainder(long Id, DateTimeOffset ExpiresAt, int Remaining);
}
