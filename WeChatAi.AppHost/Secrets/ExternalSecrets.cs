using WeChatAi.AppHost.Infrastructure;

namespace WeChatAi.AppHost.Secrets;

/// <summary>
/// WeChat and LLM credentials, and the admin key and password, as secret Aspire parameters. When running, each is added only when configured
/// (<c>Parameters:NAME</c>, e.g. with <c>dotnet user-secrets</c>), so a fresh machine starts without a prompt.
/// When publishing, all are added: a deployment needs every one, and the manifest carries only references to them.
/// </summary>
public sealed class ExternalSecrets
{
    public const string AdminKey = "admin-api-key";

    public const string AdminPassword = "admin-password";

    private static readonly (string Parameter, string EnvironmentVariable)[] WeChatSettings =
    [
        ("wechat-token", "WeChat__Token"),
        ("wechat-app-id", "WeChat__AppId"),
        ("wechat-app-secret", "WeChat__AppSecret"),
        ("wechat-encoding-aes-key", "WeChat__EncodingAESKey"),
    ];

    private static readonly (string Parameter, string EnvironmentVariable)[] LlmSettings =
    [
        ("llm-api-key", "Llm__ApiKey"),
    ];

    /// <summary>The API's admin key (the console sends it) and the operator's password (the API checks it at sign-in).</summary>
    private static readonly (string Parameter, string EnvironmentVariable)[] AdminSettings =
    [
        (AdminKey, "Admin__ApiKey"),
        (AdminPassword, "Admin__Password"),
    ];

    /// <summary>The merchant's keys: published only for a deployment that sells (<c>WeChatPay:MchId</c> configured).</summary>
    private static readonly (string Parameter, string EnvironmentVariable)[] PaymentSettings =
    [
        ("wechatpay-merchant-private-key", "WeChatPay__MerchantPrivateKey"),
        ("wechatpay-public-key", "WeChatPay__PublicKey"),
        ("wechatpay-api-v3-key", "WeChatPay__ApiV3Key"),
    ];

    /// <summary>The moderation service's key: published only with <c>Safety:ModerationUrl</c> configured.</summary>
    private static readonly (string Parameter, string EnvironmentVariable)[] ModerationSettings =
    [
        ("moderation-api-key", "Safety__ModerationApiKey"),
    ];

    /// <summary>The knowledge base's embedding and rerank providers' keys: published only with their endpoint configured.</summary>
    private static readonly (string Parameter, string EnvironmentVariable)[] EmbeddingSettings =
    [
        ("embedding-api-key", "Knowledge__EmbeddingApiKey"),
    ];

    private static readonly (string Parameter, string EnvironmentVariable)[] RerankSettings =
    [
        ("rerank-api-key", "Knowledge__RerankApiKey"),
    ];

    /// <summary>
    /// What the API reads: it verifies and decrypts WeChat's callbacks, guards its admin endpoints and checks the
    /// operators' sign-in, and exchanges the purchase page's OAuth codes (the AppSecret).
    /// </summary>
    public static readonly string[] Api =
    [
        "wechat-token", "wechat-app-id", "wechat-app-secret", "wechat-encoding-aes-key", AdminKey, AdminPassword,
        "wechatpay-merchant-private-key", "wechatpay-public-key", "wechatpay-api-v3-key", "embedding-api-key", "rerank-api-key",
    ];

    /// <summary>What the worker reads: it gets access tokens from WeChat, calls the LLM, the moderation service and the embedding and rerank providers.</summary>
    public static readonly string[] Worker = ["wechat-app-id", "wechat-app-secret", "llm-api-key", "moderation-api-key", "embedding-api-key", "rerank-api-key"];

    /// <summary>What the console reads: only the key it calls the API with (the password is checked by the API).</summary>
    public static readonly string[] Admin = [AdminKey];

    /// <summary>True when <paramref name="key"/> (e.g. <c>WeChat:AppId</c>) is a setting one of these parameters supplies.</summary>
    public static bool Supplies(string key) =>
        ((IEnumerable<(string Parameter, string EnvironmentVariable)>[])[WeChatSettings, LlmSettings, AdminSettings, PaymentSettings, ModerationSettings, EmbeddingSettings, RerankSettings])
            .SelectMany(settings => settings)
            .Any(s => s.EnvironmentVariable.Equals(key.Replace(":", "__", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase));

    /// <summary>Every parameter name this AppHost added, as a deployment asks for them.</summary>
    public IEnumerable<string> ParameterNames => _configured.Select(c => c.Name);

    private readonly List<(string Name, string EnvironmentVariable, IResourceBuilder<ParameterResource> Parameter)> _configured = [];

    private ExternalSecrets()
    {
    }

    /// <summary>True when <paramref name="name"/> was added as a parameter (configured, or publishing).</summary>
    public bool Has(string name) => _configured.Any(c => c.Name == name);

    /// <summary>The parameter <paramref name="name"/> when configured; null otherwise.</summary>
    public ParameterResource? Parameter(string name) => _configured.FirstOrDefault(c => c.Name == name).Parameter?.Resource;

    /// <summary>True when the WeChat token and AppId are set, i.e. a real official account is connected.</summary>
    public bool HasWeChat { get; private set; }

    /// <summary>True when an LLM API key is set.</summary>
    public bool HasLlm { get; private set; }

    public static ExternalSecrets AddFrom(IDistributedApplicationBuilder builder)
    {
        var secrets = new ExternalSecrets();
        var all = builder.ExecutionContext.IsPublishMode;
        secrets.HasWeChat = secrets.Add(builder, WeChatSettings, all) >= 2;
        secrets.HasLlm = secrets.Add(builder, LlmSettings, all) == 1;
        secrets.Add(builder, AdminSettings, all);
        secrets.Add(builder, PaymentSettings, all && !string.IsNullOrWhiteSpace(builder.Configuration["WeChatPay:MchId"]));
        secrets.Add(builder, ModerationSettings, all && !string.IsNullOrWhiteSpace(builder.Configuration["Safety:ModerationUrl"]));
        secrets.Add(builder, EmbeddingSettings, all && !string.IsNullOrWhiteSpace(builder.Configuration["Knowledge:EmbeddingEndpoint"]));
        secrets.Add(builder, RerankSettings, all && !string.IsNullOrWhiteSpace(builder.Configuration["Knowledge:RerankEndpoint"]));

        if (all)
        {
            builder.LogAtStartup($"Publishing: {string.Join(", ", secrets.ParameterNames)} are secret parameters that the deployment asks for; no value of this machine goes into the manifest.");
            return secrets;
        }

        if (!secrets.HasWeChat)
        {
            builder.LogAtStartup("WeChat credentials are not configured (Parameters:wechat-token, Parameters:wechat-app-id): no real official account is connected.");
        }

        if (!secrets.HasLlm)
        {
            builder.LogAtStartup("LLM API key is not configured (Parameters:llm-api-key): no real LLM is called.");
        }

        return secrets;
    }

    /// <summary>
    /// Passes those of <paramref name="names"/> that are configured to <paramref name="resource"/> as its
    /// configuration keys; each service gets only the credentials it uses.
    /// </summary>
    public IResourceBuilder<T> ApplyTo<T>(IResourceBuilder<T> resource, IEnumerable<string> names) where T : IResourceWithEnvironment
    {
        foreach (var (_, environmentVariable, parameter) in _configured.Where(c => names.Contains(c.Name)))
        {
            resource.WithEnvironment(environmentVariable, parameter);
        }

        return resource;
    }

    /// <summary>Passes the configured WeChat credentials to <paramref name="resource"/> under another configuration section.</summary>
    public IResourceBuilder<T> ApplyWeChatIdentityTo<T>(IResourceBuilder<T> resource, string section) where T : IResourceWithEnvironment
    {
        foreach (var (_, environmentVariable, parameter) in _configured.Where(c => c.EnvironmentVariable.StartsWith("WeChat__", StringComparison.Ordinal)))
        {
            resource.WithEnvironment(section + environmentVariable["WeChat".Length..], parameter);
        }

        return resource;
    }

    private int Add(IDistributedApplicationBuilder builder, (string Parameter, string EnvironmentVariable)[] settings, bool all)
    {
        var count = 0;
        foreach (var (name, environmentVariable) in settings)
        {
            if (all || !string.IsNullOrWhiteSpace(builder.Configuration[$"Parameters:{name}"]))
            {
                _configured.Add((name, environmentVariable, builder.AddParameter(name, secret: true)));
                count++;
            }
        }

        return count;
    }
}
