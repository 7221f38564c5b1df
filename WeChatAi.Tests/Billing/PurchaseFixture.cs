using System.Net;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;
using WeChatAi.Core.Data;
using WeChatAi.Tests.Fakes;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Billing;

/// <summary>
/// Two API replicas behind one public URL, with fakes of WeChat's OAuth and of WeChat Pay over HTTP, a real Redis and a
/// migrated PostgreSQL database.
/// </summary>
public sealed class PurchaseFixture(PostgresServer postgres) : IAsyncLifetime
{
    public const string AppId = "wxpurchase";
    public const string AppSecret = "purchase-secret";

    /// <summary>What a reverse proxy would serve the replicas as; the tests route it to a replica themselves.</summary>
    public static readonly Uri PublicBaseUrl = new("http://pay.example.test");

    private RedisServer? _redis;
    private ConnectionMultiplexer? _connection;
    private readonly List<ServiceProcess> _apis = [];

    public FakeWeChatOAuthServer OAuth { get; private set; } = null!;

    public FakeWeChatPayServer Pay { get; private set; } = null!;

    public IDatabase Redis => _connection!.GetDatabase();

    public string Database { get; private set; } = string.Empty;

    internal IReadOnlyList<ServiceProcess> Apis => _apis;

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        Database = await postgres.CreateMigratedDatabaseAsync();
        OAuth = await FakeWeChatOAuthServer.StartAsync(AppId, AppSecret);
        Pay = await FakeWeChatPayServer.StartAsync();
        var environment = new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = _redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = Database,
            ["WeChat__Token"] = "purchase-token",
            ["WeChat__AppId"] = AppId,
            ["WeChat__AppSecret"] = AppSecret,
            ["WeChat__ApiBaseUrl"] = OAuth.BaseAddress.ToString(),
            ["WeChat__OAuthBaseUrl"] = OAuth.BaseAddress.ToString(),
            ["Api__PublicBaseUrl"] = PublicBaseUrl.ToString(),
            ["Billing__FreeDailyMessages"] = "20",
            ["Billing__Products__0__Id"] = "p10",
            ["Billing__Products__0__Name"] = "10 次提问",
            ["Billing__Products__0__PriceFen"] = "100",
            ["Billing__Products__0__Credits"] = "10",
            ["Billing__Products__0__ValidityDays"] = "7",
            ["Billing__Products__1__Id"] = "p300",
            ["Billing__Products__1__Name"] = "300 次提问",
            ["Billing__Products__1__PriceFen"] = "1990",
            ["Billing__Products__1__Credits"] = "300",
            ["Billing__Products__1__ValidityDays"] = "30",
        };
        foreach (var (key, value) in Pay.Settings(new Uri(PublicBaseUrl, "api/pay/notify").ToString()))
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        for (var i = 0; i < 2; i++)
        {
            _apis.Add(await ServiceProcess.StartAsync("WeChatAi.Api", environment));
        }
    }

    /// <summary>A browser with its own cookies, not following redirects by itself.</summary>
    internal Browser NewBrowser(string userAgent = Browser.WeChatPhone) => new(this, userAgent);

    public WeChatDbContext Db() => new(new DbContextOptionsBuilder<WeChatDbContext>().UseNpgsql(Database).Options);

    public async ValueTask DisposeAsync()
    {
        foreach (var api in _apis)
        {
            await api.DisposeAsync();
        }

        await OAuth.DisposeAsync();
        await Pay.DisposeAsync();
        _connection?.Dispose();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}

internal sealed class Browser : IDisposable
{
    public const string WeChatPhone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x18003237) NetType/WIFI Language/zh_CN";
    public const string Desktop = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

    private readonly PurchaseFixture _fixture;
    private readonly HttpClient _http;

    public Browser(PurchaseFixture fixture, string userAgent)
    {
        _fixture = fixture;
        _http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false, UseCookies = true });
        _http.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", userAgent);
    }

    public CookieContainer Cookies { get; } = new();

    /// <summary>Routes a public URL (or a path) to <paramref name="replica"/>, as the proxy in front of the replicas would.</summary>
    public Uri OnReplica(string urlOrPath, int replica)
    {
        var url = new Uri(PurchaseFixture.PublicBaseUrl, urlOrPath);
        return new Uri(_fixture.Apis[replica].BaseAddress, url.PathAndQuery);
    }

    public Task<HttpResponseMessage> GetAsync(Uri url) => _http.GetAsync(url, TestContext.Current.CancellationToken);

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => _http.SendAsync(request, TestContext.Current.CancellationToken);

    /// <summary>/pay → WeChat's authorize page → our callback (on the other replica) → /pay; returns the callback URL used.</summary>
    public async Task<Uri> SignInAsync(string openId)
    {
        _fixture.OAuth.NextOpenId = openId;
        using var start = await GetAsync(OnReplica("/pay", 0));
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        using var authorize = await GetAsync(start.Headers.Location!);
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        var callback = OnReplica(authorize.Headers.Location!.ToString(), 1);
        using var done = await GetAsync(callback);
        Assert.True(done.StatusCode == HttpStatusCode.Redirect, await done.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("/pay", done.Headers.Location!.ToString());
        return callback;
    }

    public void Dispose() => _http.Dispose();
}
