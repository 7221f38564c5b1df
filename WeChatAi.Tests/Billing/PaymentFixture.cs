using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Billing;
using Order = WeChatAi.Core.Data.Billing.Order;
using WeChatAi.Tests.Fakes;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Billing;

/// <summary>Two API replicas on one Redis and one migrated PostgreSQL database, paying through a fake WeChat Pay.</summary>
public sealed class PaymentFixture(PostgresServer postgres) : IAsyncLifetime
{
    public const string AppId = "wxpayments";
    public const string AdminKey = "payments-admin-key-0123456789";

    private RedisServer? _redis;
    private ConnectionMultiplexer? _connection;
    private readonly List<ServiceProcess> _apis = [];
    private static long _orders;

    public FakeWeChatPayServer Pay { get; private set; } = null!;

    public string Database { get; private set; } = string.Empty;

    public IDatabase Redis => _connection!.GetDatabase();

    internal IReadOnlyList<ServiceProcess> Apis => _apis;

    public Uri NotifyUrl(int replica) => new(_apis[replica].BaseAddress, "/api/pay/notify");

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        Database = await postgres.CreateMigratedDatabaseAsync();
        Pay = await FakeWeChatPayServer.StartAsync();
        var environment = new Dictionary<string, string?>(Pay.Settings("https://ai.example.com/api/pay/notify"))
        {
            ["ConnectionStrings__redis"] = _redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = Database,
            ["WeChat__Token"] = "payments-token",
            ["WeChat__AppId"] = AppId,
            ["Admin__ApiKey"] = AdminKey,
            ["WeChatPay__QueryAfterMinutes"] = "1",
            ["WeChatPay__ReconcileIntervalSeconds"] = "1",
            ["Billing__OrderExpiryMinutes"] = "30",
        };
        for (var i = 0; i < 2; i++)
        {
            _apis.Add(await ServiceProcess.StartAsync("WeChatAi.Api", environment));
        }
    }

    public WeChatDbContext Db() => new(new DbContextOptionsBuilder<WeChatDbContext>().UseNpgsql(Database).Options);

    /// <summary>A pending order of ours (created <paramref name="age"/> ago), known to WeChat Pay unless <paramref name="atWeChatPay"/> is false.</summary>
    public async Task<Order> OrderAsync(string openId, int amountFen = 600, int credits = 100, TimeSpan? age = null, bool atWeChatPay = true)
    {
        var created = DateTimeOffset.UtcNow - (age ?? TimeSpan.Zero);
        var order = new Order
        {
            OutTradeNo = $"WT{DateTime.UtcNow:HHmmss}{Interlocked.Increment(ref _orders):D4}{Random.Shared.Next(1000, 9999)}",
            AppId = AppId,
            OpenId = openId,
            ProductId = "p100",
            ProductName = "100 次提问",
            AmountFen = amountFen,
            Credits = credits,
            ValidityDays = 30,
            State = OrderState.Pending,
            Channel = PaymentChannel.Jsapi,
            CreatedAt = created,
            UpdatedAt = created,
        };
        await using var db = Db();
        db.Orders.Add(order);
        await db.SaveChangesAsync();
        if (atWeChatPay)
        {
            Pay.Register(order.OutTradeNo, AppId, amountFen, openId);
        }

        return order;
    }

    /// <summary>The user's Redis balance as the webhook loads it before their first paid question: empty ledger, 0.</summary>
    public async Task LoadEmptyBalanceAsync(string openId)
    {
        var key = Core.Billing.BillingKeys.Credits(TestShards.Of(openId), AppId, openId);
        await Redis.HashSetAsync(key, [new(Core.Billing.BillingKeys.BalanceField, 0), new(Core.Billing.BillingKeys.WatermarkField, 0)]);
        await Redis.KeyExpireAsync(key, Core.Billing.BillingKeys.CreditsTtl);
    }

    public async Task<Order> ReloadAsync(string outTradeNo)
    {
        await using var db = Db();
        return await db.Orders.AsNoTracking().SingleAsync(o => o.OutTradeNo == outTradeNo);
    }

    public async Task<List<CreditEntry>> LedgerAsync(string openId)
    {
        await using var db = Db();
        return await db.CreditLedger.AsNoTracking().Where(e => e.OpenId == openId).OrderBy(e => e.Id).ToListAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var api in _apis)
        {
            await api.DisposeAsync();
        }

        await Pay.DisposeAsync();
        _connection?.Dispose();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
