using System.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Billing;
using WeChatAi.Core.Redis;

namespace WeChatAi.Core.Billing;

/// <summary>
/// The user's credit balance in Redis, where the webhook spends it. Redis counts live; PostgreSQL's ledger is the
/// record. A balance is loaded from the ledger the first time it is needed (<see cref="LoadAsync"/>); changes made in
/// PostgreSQL (grants, refunds' reversals, expiries) are added to a loaded balance after they commit
/// (<see cref="ApplyAsync"/>); uses and give-backs happen in Redis first and reach the ledger through the usage stream.
/// Each loaded balance carries the last ledger row it includes, so a row is never counted twice, and a row that found
/// no balance marks the user "stale" so a load that read PostgreSQL before the row committed reads again.
/// </summary>
public sealed class CreditCache(IConnectionMultiplexer redis, IServiceScopeFactory scopes, CreditLedger ledger, JobShards shards)
{
    private static readonly object[] Fields = [new { BillingKeys.BalanceField, BillingKeys.WatermarkField }];
    private static readonly RedisScript<LoadCall> LoadScript = RedisScript.Load<LoadCall>(typeof(CreditCache), "CreditCache.Load.lua", Fields);
    private static readonly RedisScript<ApplyCall> ApplyScript = RedisScript.Load<ApplyCall>(typeof(CreditCache), "CreditCache.Apply.lua", Fields);

    private static readonly TimeSpan StaleTtl = TimeSpan.FromMinutes(10);

    /// <summary>Loads the user's balance from the ledger unless Redis has one; returns the balance Redis holds.</summary>
    public async Task<long> LoadAsync(string appId, string openId, CancellationToken cancellationToken = default)
    {
        var db = redis.GetDatabase();
        var shard = shards.Of(openId);
        RedisKey credits = BillingKeys.Credits(shard, appId, openId);
        RedisKey stale = BillingKeys.CreditsStale(shard, appId, openId);
        for (var attempt = 0; ; attempt++)
        {
            var balance = await ReadLedgerAsync(appId, openId, cancellationToken).ConfigureAwait(false);
            var loaded = (long)await LoadScript.EvaluateAsync(db, new LoadCall(credits, stale, balance.Credits, balance.Watermark, (long)BillingKeys.CreditsTtl.TotalSeconds)).ConfigureAwait(false);
            if (loaded == 1 || attempt == 2)
            {
                return (long?)await db.HashGetAsync(credits, BillingKeys.BalanceField).ConfigureAwait(false) ?? balance.Credits;
            }
        }
    }

    /// <summary>Adds a committed ledger row written in PostgreSQL (grant, reversal, expiry) to the user's loaded balance.</summary>
    public async Task ApplyAsync(CreditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var shard = shards.Of(entry.OpenId);
        await ApplyScript.EvaluateAsync(redis.GetDatabase(), new ApplyCall(
            BillingKeys.Credits(shard, entry.AppId, entry.OpenId), BillingKeys.CreditsStale(shard, entry.AppId, entry.OpenId), entry.Credits, entry.Id, (long)StaleTtl.TotalSeconds)).ConfigureAwait(false);
    }

    /// <summary>The balance Redis holds, or null when none is loaded.</summary>
    public async Task<long?> PeekAsync(string appId, string openId) =>
        (long?)await redis.GetDatabase().HashGetAsync(BillingKeys.Credits(shards.Of(openId), appId, openId), BillingKeys.BalanceField).ConfigureAwait(false);

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

    /// <param name="Credits">The balance hash.</param>
    /// <param name="Stale">The stale marker: the newest ledger row that found no balance loaded.</param>
    /// <param name="Watermark">The last ledger row <paramref name="Balance"/> includes.</param>
    private sealed record LoadCall(RedisKey Credits, RedisKey Stale, long Balance, long Watermark, long TtlSeconds);

    /// <param name="Delta">The ledger row's credits.</param>
    private sealed record ApplyCall(RedisKey Credits, RedisKey Stale, long Delta, long RowId, long StaleTtlSeconds);
}
