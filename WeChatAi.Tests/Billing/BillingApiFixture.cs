using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Webhook;

namespace WeChatAi.Tests.Billing;

/// <summary>Two API replicas on one Redis and one migrated PostgreSQL database, with a small free quota and two products.</summary>
public sealed class BillingApiFixture(PostgresServer postgres) : IAsyncLifetime
{
    public const string Token = "billing-token";
    public const string AppId = "wxbilling";
    public const int FreeDaily = 3;
    public const string PublicBaseUrl = "https://ai.example.com";

    private RedisServer? _redis;
    private ConnectionMultiplexer? _connection;
    private readonly List<ServiceProcess> _apis = [];

    public string Database { get; private set; } = string.Empty;

    public IConnectionMultiplexer Connection => _connection!;

    public IDatabase Redis => _connection!.GetDatabase();

    internal IReadOnlyList<ServiceProcess> Apis => _apis;

    internal WeChatClient WeChat(int replica) => new(_apis[replica].Client, Token);

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        Database = await postgres.CreateMigratedDatabaseAsync();
        for (var i = 0; i < 2; i++)
        {
            _apis.Add(await ServiceProcess.StartAsync("WeChatAi.Api", Environment()));
        }
    }

    internal Dictionary<string, string?> Environment() => new()
    {
        ["ConnectionStrings__redis"] = _redis!.ConnectionString,
        ["ConnectionStrings__wechatdb"] = Database,
        ["WeChat__Token"] = Token,
        ["WeChat__AppId"] = AppId,
        ["WeChat__AckMode"] = "text", // the tests read the passive text
        ["RateLimits__PerUserPerMinute"] = "1000",
        ["RateLimits__PerUserBurst"] = "100",
        ["Billing__FreeDailyMessages"] = FreeDaily.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Billing__Products__0__Id"] = "p10",
        ["Billing__Products__0__Name"] = "10 次提问",
        ["Billing__Products__0__PriceFen"] = "100",
        ["Billing__Products__0__Credits"] = "10",
        ["Billing__Products__0__ValidityDays"] = "7",
        ["Api__PublicBaseUrl"] = PublicBaseUrl,
    };

    public Task GrantAsync(string openId, int credits, string key) => Grants.GrantAsync(Database, Connection, AppId, openId, credits, key);

    public async ValueTask DisposeAsync()
    {
        foreach (var api in _apis)
        {
            await api.DisposeAsync();
        }

        _connection?.Dispose();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}

/// <summary>Grants credits the way settlement does: a ledger row in a transaction, then the Redis balance.</summary>
internal static class Grants
{
    public static async Task GrantAsync(string database, IConnectionMultiplexer redis, string appId, string openId, int credits, string key)
    {
        var ledger = new CreditLedger(TimeProvider.System);
        await using var db = new WeChatDbContext(new DbContextOptionsBuilder<WeChatDbContext>().UseNpgsql(database).Options);
        Core.Data.Billing.CreditEntry entry;
        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            entry = (await ledger.GrantAsync(db, appId, openId, credits, 7, key)).Entry;
            await tx.CommitAsync();
        }

        // The cache needs no scope for ApplyAsync (it only loads through one).
        await new CreditCache(redis, null!, ledger, TestShards.Default).ApplyAsync(entry);
    }
}
