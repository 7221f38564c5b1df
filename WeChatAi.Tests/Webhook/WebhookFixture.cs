using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Webhook;

/// <summary>The API run as a real process with safe mode on, against a real Redis and a migrated PostgreSQL database.</summary>
public class WebhookFixture : IAsyncLifetime
{
    public const string Token = "webhook-test-token";
    public const string AppId = "wx1234567890abcdef";
    public const string EncodingAesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    public const string AckText = "正在思考中...";
    public const string WelcomeText = "欢迎关注测试号";

    private readonly PostgresServer _postgres;
    private readonly IRedisSource _source;
    private ITestRedis? _redis;
    private ServiceProcess? _api;
    private ConnectionMultiplexer? _connection;

    public WebhookFixture(PostgresServer postgres)
        : this(postgres, SingleRedis.Source)
    {
    }

    protected WebhookFixture(PostgresServer postgres, IRedisSource source)
    {
        _postgres = postgres;
        _source = source;
    }

    public string DatabaseConnectionString { get; private set; } = string.Empty;

    internal WeChatClient WeChat { get; private set; } = null!;

    internal ServiceProcess Api => _api!;

    public IDatabase Redis => _connection!.GetDatabase();

    /// <summary>Settings a derived fixture adds to the API's environment.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [];

    public Task<long> JobCountAsync() => Redis.JobCountAsync();

    public async ValueTask InitializeAsync()
    {
        _redis = await _source.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        DatabaseConnectionString = await _postgres.CreateMigratedDatabaseAsync();
        var settings = new Dictionary<string, string?>(ExtraSettings)
        {
            ["ConnectionStrings__redis"] = _redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = DatabaseConnectionString,
            ["WeChat__Token"] = Token,
            ["WeChat__AppId"] = AppId,
            ["WeChat__EncodingAESKey"] = EncodingAesKey,
            ["WeChat__WelcomeText"] = WelcomeText,
            ["WeChat__AckMode"] = "text", // these tests read the passive text; typing has its own
            ["RateLimits__PerUserPerMinute"] = "10",
            ["RateLimits__PerUserBurst"] = "5",
        };
        _api = await ServiceProcess.StartAsync("WeChatAi.Api", settings);
        WeChat = new WeChatClient(_api.Client, Token, AppId, EncodingAesKey);
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }

        _connection?.Dispose();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}

/// <summary>The same API on the shared Redis Cluster, for <see cref="WebhookMessageClusterTests"/>.</summary>
public sealed class WebhookClusterFixture(PostgresServer postgres, RedisClusterFixture cluster) : WebhookFixture(postgres, cluster);
