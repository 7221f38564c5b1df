using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Billing;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Billing;

/// <summary>The ledger and the Redis balance against a real PostgreSQL and Redis.</summary>
public class CreditLedgerTests : IAsyncLifetime
{
    private const string App = "wxledger";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 2, 0, 0, TimeSpan.Zero));
    private string _database = string.Empty;
    private readonly PostgresServer _postgres;
    private readonly IRedisSource _source;
    private ITestRedis _redis = null!;
    private ConnectionMultiplexer _connection = null!;
    private ServiceProvider _services = null!;

    public CreditLedgerTests(PostgresServer postgres)
        : this(postgres, SingleRedis.Source)
    {
    }

    protected CreditLedgerTests(PostgresServer postgres, IRedisSource source)
    {
        _postgres = postgres;
        _source = source;
    }

    private CreditLedger Ledger => _services.GetRequiredService<CreditLedger>();

    private CreditCache Cache => _services.GetRequiredService<CreditCache>();

    public async ValueTask InitializeAsync()
    {
        _database = await _postgres.CreateMigratedDatabaseAsync();
        _redis = await _source.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        _services = new ServiceCollection()
            .AddDbContext<WeChatDbContext>(o => o.UseNpgsql(_database))
            .AddSingleton<TimeProvider>(_time)
            .AddSingleton<IConnectionMultiplexer>(_connection)
            .AddSingleton<CreditLedger>()
            .AddSingleton(TestShards.Default)
            .AddSingleton<CreditCache>()
            .BuildServiceProvider();
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        await _services.DisposeAsync();
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Operations_need_the_callers_transaction_and_are_idempotent_on_their_key()
    {
        await using var db = Db();
        await Assert.ThrowsAsync<InvalidOperationException>(() => Ledger.GrantAsync(db, App, "o-1", 10, 7, "grant:A", cancellationToken: TestContext.Current.CancellationToken));

        await using (var tx = await db.Database.BeginTransactionAsync(TestContext.Current.CancellationToken))
        {
            var first = await Ledger.GrantAsync(db, App, "o-1", 10, 7, "grant:A", cancellationToken: TestContext.Current.CancellationToken);
            var again = await Ledger.GrantAsync(db, App, "o-1", 10, 7, "grant:A", cancellationToken: TestContext.Current.CancellationToken);
            Assert.True(first.Applied);
            Assert.False(again.Applied);
            Assert.Equal(first.Entry.Id, again.Entry.Id);
            Assert.Equal(_time.GetUtcNow().AddDays(7), first.Entry.ExpiresAt);
            await tx.CommitAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal(1, await db.CreditLedger.CountAsync(TestContext.Current.CancellationToken));
        Assert.Equal(10, (await Ledger.BalanceAsync(db, App, "o-1", TestContext.Current.CancellationToken)).Credits);
    }

    [Fact]
    public async Task Uses_draw_from_the_earliest_expiring_grant_and_give_backs_return_there_refunds_take_what_is_left()
    {
        await using var db = Db();
        CreditEntry longGrant, shortGrant;
        await using (var tx = await db.Database.BeginTransactionAsync(TestContext.Current.CancellationToken))
        {
            longGrant = (await Ledger.GrantAsync(db, App, "o-2", 5, 30, "grant:long", cancellationToken: TestContext.Current.CancellationToken)).Entry;
            shortGrant = (await Ledger.GrantAsync(db, App, "o-2", 2, 7, "grant:short", cancellationToken: TestContext.Current.CancellationToken)).Entry;
            foreach (var job in new[] { "j1", "j2", "j3", "j3" })
            {
                await Ledger.UseAsync(db, App, "o-2", job, _time.GetUtcNow(), TestContext.Current.CancellationToken);
            }

            await Ledger.GiveBackAsync(db, App, "o-2", "j1", "dead-lettered", TestContext.Current.CancellationToken);
            await Ledger.GiveBackAsync(db, App, "o-2", "j1", "dead-lettered", TestContext.Current.CancellationToken);
            await tx.CommitAsync(TestContext.Current.CancellationToken);
        }

        var rows = await db.CreditLedger.OrderBy(e => e.Id).ToListAsync(TestContext.Current.CancellationToken);
        Assert.Equal([shortGrant.Id, shortGrant.Id, longGrant.Id], rows.Where(r => r.Kind == CreditEntryKind.Use).Select(r => r.GrantId));
        Assert.Equal(shortGrant.Id, Assert.Single(rows, r => r.Kind == CreditEntryKind.GiveBack).GrantId);
        var balance = await Ledger.BalanceAsync(db, App, "o-2", TestContext.Current.CancellationToken);
        Assert.Equal(5, balance.Credits);
        Assert.Equal(shortGrant.ExpiresAt, balance.NextExpiry);

        await using (var tx = await db.Database.BeginTransactionAsync(TestContext.Current.CancellationToken))
        {
            var reversal = await Ledger.ReverseAsync(db, longGrant.Id, "reverse:R1", cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal(-4, reversal.Entry.Credits);
            await tx.CommitAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal(1, (await Ledger.BalanceAsync(db, App, "o-2", TestContext.Current.CancellationToken)).Credits);
    }

    [Fact]
    public async Task Expired_grants_stop_counting_and_the_sweep_writes_what_was_left_once()
    {
        await using var db = Db();
        await using (var tx = await db.Database.BeginTransactionAsync(TestContext.Current.CancellationToken))
        {
            await Ledger.GrantAsync(db, App, "o-3", 3, 1, "grant:day", cancellationToken: TestContext.Current.CancellationToken);
            await Ledger.UseAsync(db, App, "o-3", "j-exp", _time.GetUtcNow(), TestContext.Current.CancellationToken);
            await tx.CommitAsync(TestContext.Current.CancellationToken);
        }

        _time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        Assert.Equal(0, (await Ledger.BalanceAsync(db, App, "o-3", TestContext.Current.CancellationToken)).Credits);
        await using (var tx = await db.Database.BeginTransactionAsync(TestContext.Current.CancellationToken))
        {
            Assert.Empty(await Ledger.ExpireAsync(db, TimeSpan.FromHours(1), cancellationToken: TestContext.Current.CancellationToken));
            _time.Advance(TimeSpan.FromHours(1));
            var expired = Assert.Single(await Ledger.ExpireAsync(db, TimeSpan.FromHours(1), cancellationToken: TestContext.Current.CancellationToken));
            Assert.Equal(-2, expired.Credits);
            Assert.Empty(await Ledger.ExpireAsync(db, TimeSpan.FromHours(1), cancellationToken: TestContext.Current.CancellationToken));
            await tx.CommitAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Concurrent_transactions_of_one_user_grant_once_per_key()
    {
        async Task<bool> GrantAsync()
        {
            await using var db = Db();
            await using var tx = await db.Database.BeginTransactionAsync(TestContext.Current.CancellationToken);
            var result = await Ledger.GrantAsync(db, App, "o-4", 50, 7, "grant:same", cancellationToken: TestContext.Current.CancellationToken);
            await tx.CommitAsync(TestContext.Current.CancellationToken);
            return result.Applied;
        }

        var applied = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(GrantAsync, TestContext.Current.CancellationToken)));

        Assert.Single(applied, a => a);
        await using var check = Db();
        Assert.Equal(50, (await Ledger.BalanceAsync(check, App, "o-4", TestContext.Current.CancellationToken)).Credits);
    }

    [Fact]
    public async Task Redis_balance_loads_once_and_takes_each_later_ledger_row_once()
    {
        await using var db = Db();
        CreditEntry grant;
        await using (var tx = await db.Database.BeginTransactionAsync(TestContext.Current.CancellationToken))
        {
            grant = (await Ledger.GrantAsync(db, App, "o-5", 10, 7, "grant:r1", cancellationToken: TestContext.Current.CancellationToken)).Entry;
            await tx.CommitAsync(TestContext.Current.CancellationToken);
        }

        // A row applied before any balance is loaded only marks the user: the load reads it from PostgreSQL.
        await Cache.ApplyAsync(grant);
        Assert.Null(await Cache.PeekAsync(App, "o-5"));
        Assert.Equal(10, await Cache.LoadAsync(App, "o-5", TestContext.Current.CancellationToken));
        await Cache.ApplyAsync(grant);
        Assert.Equal(10, await Cache.PeekAsync(App, "o-5"));

        CreditEntry second;
        await using (var tx = await db.Database.BeginTransactionAsync(TestContext.Current.CancellationToken))
        {
            second = (await Ledger.GrantAsync(db, App, "o-5", 5, 7, "grant:r2", cancellationToken: TestContext.Current.CancellationToken)).Entry;
            await tx.CommitAsync(TestContext.Current.CancellationToken);
        }

        await Cache.ApplyAsync(second);
        await Cache.ApplyAsync(second);
        Assert.Equal(15, await Cache.PeekAsync(App, "o-5"));
        Assert.Equal(15, await Cache.LoadAsync(App, "o-5", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_give_back_happens_once_per_job_and_a_job_without_a_charge_gives_nothing()
    {
        var giveBack = new QuotaGiveBack(_connection, TestShards.Default, _time);
        var db = _connection.GetDatabase();
        await db.HashSetAsync(BillingKeys.Credits(TestShards.Of("o-6"), App, "o-6"), [new(BillingKeys.BalanceField, 0), new(BillingKeys.WatermarkField, 0)]);
        var day = BillingDay.Of(_time.GetUtcNow());
        await db.StringSetAsync(BillingKeys.FreeUsed(TestShards.Of("o-6"), App, "o-6", day), 3);
        var received = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var credit = new Core.Queue.AiJob(App, "o-6", 1, "问题", received, null, null) { Charge = Charge.Credit };
        var free = new Core.Queue.AiJob(App, "o-6", 2, "问题", received, null, null) { Charge = $"f:{BillingDay.Key(day)}" };
        var retried = new Core.Queue.AiJob(App, "o-6", 3, "问题", received, null, null);

        Assert.True(await giveBack.GiveBackAsync(credit, "dead-lettered"));
        Assert.False(await giveBack.GiveBackAsync(credit, "dead-lettered"));
        Assert.True(await giveBack.GiveBackAsync(free, "blocked"));
        Assert.False(await giveBack.GiveBackAsync(retried, "dead-lettered"));

        Assert.Equal(1, (long)await db.HashGetAsync(BillingKeys.Credits(TestShards.Of("o-6"), App, "o-6"), BillingKeys.BalanceField));
        Assert.Equal(2, (long)await db.StringGetAsync(BillingKeys.FreeUsed(TestShards.Of("o-6"), App, "o-6", day)));
        var entries = await db.StreamRangeAsync(BillingKeys.UsageStream(TestShards.Of("o-6")));
        Assert.Equal(["gc", "gf"], entries.Select(e => (string?)e[UsageFields.Kind]));
    }

    private WeChatDbContext Db() => new(new DbContextOptionsBuilder<WeChatDbContext>().UseNpgsql(_database).Options);
}

/// <summary>The same ledger with the balance cache on a Redis Cluster: each user's balance script on the user's shard.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class CreditLedgerClusterTests(PostgresServer postgres, RedisClusterFixture cluster) : CreditLedgerTests(postgres, cluster);
