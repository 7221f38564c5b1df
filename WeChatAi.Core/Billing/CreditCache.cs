using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Billing;

namespace WeChatAi.Core.Billing;

/// <summary>
/// The user's credit balance in Redis, where the webhook spends it. Redis counts live; PostgreSQL's ledger is the
/// record. A balance is loaded from the ledger the first time it is needed (<see cref="LoadAsync"/>); changes made in
/// PostgreSQL (grants, refunds' reversals, expiries) are added to a loaded balance after they commit
/// (<see cref="ApplyAsync"/>); uses and give-backs happen in Redis first and reach the ledger through the usage stream.
/// Each loaded balance carries the last ledger row it includes, so a row is never counted twice, and a row that found
/// no balance marks the user "stale" so a load that read PostgreSQL before the row committed reads again.
/// </summary>
public sealed class CreditCache(IConnectionMultiplexer redis, IServiceScopeFactory scopes, CreditLedger ledger)
{
    // KEYS: the balance hash, the stale marker. ARGV: balance, watermark, TTL seconds.
    // Returns 1 when the balance is (already) loaded, 0 when a newer ledger row is pending: read PostgreSQL again.
    private const string LoadScript = $"""
        if redis.call('EXISTS', KEYS[1]) == 1 then
          return 1
        end
        local stale = tonumber(redis.call('GET', KEYS[2]) or '0')
        if stale > tonumber(ARGV[2]) then
          redis.call('DEL', KEYS[2])
          return 0
        end
        redis.call('HSET', KEYS[1], '{BillingKeys.BalanceField}', ARGV[1], '{BillingKeys.WatermarkField}', ARGV[2])
        redis.call('EXPIRE', KEYS[1], ARGV[3])
        return 1
        """;

    // KEYS: the balance hash, the stale marker. ARGV: delta, the ledger row id, stale-marker TTL seconds.
    private const string ApplyScript = $"""
        if redis.call('EXISTS', KEYS[1]) == 0 then
          local stale = tonumber(redis.call('GET', KEYS[2]) or '0')
          if tonumber(ARGV[2]) > stale then
            redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
          end
          return 0
        end
        if tonumber(redis.call('HGET', KEYS[1], '{BillingKeys.WatermarkField}') or '0') >= tonumber(ARGV[2]) then
          return 0
        end
        redis.call('HINCRBY', KEYS[1], '{BillingKeys.BalanceField}', ARGV[1])
        redis.call('HSET', KEYS[1], '{BillingKeys.WatermarkField}', ARGV[2])
        return 1
        """;

    private static readonly TimeSpan StaleTtl = TimeSpan.FromMinutes(10);

    /// <summary>Loads the user's balance from the ledger unless Redis has one; returns the balance Redis holds.</summary>
    public async Task<long> LoadAsync(string appId, string openId, CancellationToken cancellationToken = default)
    {
        var db = redis.GetDatabase();
        RedisKey[] keys = [BillingKeys.Credits(appId, openId), BillingKeys.CreditsStale(appId, openId)];
        for (var attempt = 0; ; attempt++)
        {
            var balance = await ReadLedgerAsync(appId, openId, cancellationToken).ConfigureAwait(false);
            var loaded = (long)await db.ScriptEvaluateAsync(LoadScript, keys, [balance.Credits, balance.Watermark, (long)BillingKeys.CreditsTtl.TotalSeconds]).ConfigureAwait(false);
            if (loaded == 1 || attempt == 2)
            {
                return (long?)await db.HashGetAsync(keys[0], BillingKeys.BalanceField).ConfigureAwait(false) ?? balance.Credits;
            }
        }
    }

    /// <summary>Adds a committed ledger row written in PostgreSQL (grant, reversal, expiry) to the user's loaded balance.</summary>
    public async Task ApplyAsync(CreditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await redis.GetDatabase().ScriptEvaluateAsync(
            ApplyScript,
            [BillingKeys.Credits(entry.AppId, entry.OpenId), BillingKeys.CreditsStale(entry.AppId, entry.OpenId)],
            [entry.Credits, entry.Id, (long)StaleTtl.TotalSeconds]).ConfigureAwait(false);
    }

    /// <summary>The balance Redis holds, or null when none is loaded.</summary>
    public async Task<long?> PeekAsync(string appId, string openId) =>
        (long?)await redis.GetDatabase().HashGetAsync(BillingKeys.Credits(appId, openId), BillingKeys.BalanceField).ConfigureAwait(false);

    private async Task<CreditBalance> ReadLedgerAsync(string appId, string openId, CancellationToken cancellationToken)
    {
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
            var strategy = db.Database.CreateExecutionStrategy();
            return await strategy.ExecuteAsync(async () =>
            {
                // One snapshot: the balance and the watermark describe the same set of rows.
                await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
                return await ledger.BalanceAsync(db, appId, openId, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
    }
}
