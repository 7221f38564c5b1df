using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Webhook;

namespace WeChatAi.Tests.Security;

/// <summary>
/// Three APIs on one real Redis and PostgreSQL, one per way an account can be set up: safe mode (an EncodingAESKey),
/// plaintext mode (none), and the switch between them (a key and <c>WeChat:AcceptPlaintext</c>).
/// </summary>
public sealed class WebhookForgeryFixture(PostgresServer postgres) : IAsyncLifetime
{
    public const string Token = "forgery-test-token";
    public const string SafeAppId = "wxforgerysafe0001";
    public const string PlainAppId = "wxforgeryplain001";
    public const string SwitchAppId = "wxforgeryswitch01";
    public const string EncodingAesKey = "forgeryAesKey0123456789abcdefghijklmnopqrst";
    public const string AckText = "正在思考中...";

    /// <summary>The plaintext API's admin key, for the keyword rule a forged push must not reach.</summary>
    public const string AdminKey = "forgery-admin-key-0123456789";

    private RedisServer? _redis;
    private ConnectionMultiplexer? _connection;
    private readonly List<ServiceProcess> _apis = [];

    internal ServiceProcess SafeApi => _apis[0];

    internal ServiceProcess PlainApi => _apis[1];

    internal ServiceProcess SwitchApi => _apis[2];

    /// <summary>WeChat in safe mode: every push encrypted.</summary>
    internal WeChatClient SafeWeChat => new(SafeApi.Client, Token, SafeAppId, EncodingAesKey);

    /// <summary>Anyone who saw one callback URL: a signed query string, no key.</summary>
    internal static WeChatClient PlainSender(ServiceProcess api) => new(api.Client, Token);

    public IDatabase Redis => _connection!.GetDatabase();

    /// <summary>The jobs on the stream for this user (the stream is shared: count only the test's own user).</summary>
    public async Task<List<AiJob>> JobsOfAsync(string openId) =>
        [.. (await Redis.JobEntriesAsync()).Select(AiJob.FromStreamEntry).Where(j => j.OpenId == openId)];

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        string database = await postgres.CreateMigratedDatabaseAsync();
        foreach (var (appId, key, acceptPlaintext) in new[] { (SafeAppId, EncodingAesKey, false), (PlainAppId, (string?)null, false), (SwitchAppId, EncodingAesKey, true) })
        {
            _apis.Add(await ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>
            {
                ["ConnectionStrings__redis"] = _redis.ConnectionString,
                ["ConnectionStrings__wechatdb"] = database,
                ["WeChat__Token"] = Token,
                ["WeChat__AppId"] = appId,
                ["WeChat__EncodingAESKey"] = key,
                ["WeChat__AcceptPlaintext"] = acceptPlaintext ? "true" : null,
                ["WeChat__AckMode"] = "text",
                ["Admin__ApiKey"] = appId == PlainAppId ? AdminKey : null,
            }));
        }
    }

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
