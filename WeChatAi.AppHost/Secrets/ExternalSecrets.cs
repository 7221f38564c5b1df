using WeChatAi.AppHost.Infrastructure;

namespace WeChatAi.AppHost.Secrets;

/// <summary>
/// WeChat and LLM credentials, and the API's admin key, as Aspire parameters. Each is added only when configured
/// (<c>Parameters:NAME</c>, e.g. with <c>dotnet user-secrets</c>), so a fresh machine starts without a prompt.
/// </summary>
public sealed class ExternalSecrets
{
    private static readonly (string Parameter, string EnvironmentVariable, bool Secret)[] WeChatSettings =
    [
        ("wechat-token", "WeChat__Token", true),
        ("wechat-app-id", "WeChat__AppId", false),
        ("wechat-app-secret", "WeChat__AppSecret", true),
        ("wechat-encoding-aes-key", "WeChat__EncodingAESKey", true),
    ];

    private static readonly (string Parameter, string EnvironmentVariable, bool Secret)[] LlmSettings =
    [
        ("llm-api-key", "Llm__ApiKey", true),
    ];

    // The API's alone: the worker has no admin endpoints.
    private static readonly (string Parameter, string EnvironmentVariable, bool Secret)[] AdminSettings =
    [
        ("admin-api-key", "Admin__ApiKey", true),
    ];

    private readonly List<(string EnvironmentVariable, IResourceBuilder<ParameterResource> Parameter)> _configured = [];

    private readonly ExternalSecrets? _admin;

    private ExternalSecrets(ExternalSecrets? admin = null) => _admin = admin;

    /// <summary>True when the WeChat token and AppId are set, i.e. a real official account is connected.</summary>
    public bool HasWeChat { get; private set; }

    /// <summary>True when an LLM API key is set.</summary>
    public bool HasLlm { get; private set; }

    public static ExternalSecrets AddFrom(IDistributedApplicationBuilder builder)
    {
        var admin = new ExternalSecrets();
        admin.AddConfigured(builder, AdminSettings);
        var secrets = new ExternalSecrets(admin);
        secrets.HasWeChat = secrets.AddConfigured(builder, WeChatSettings) >= 2;
        secrets.HasLlm = secrets.AddConfigured(builder, LlmSettings) == 1;

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

    /// <summary>Passes every configured secret to <paramref name="resource"/> as its configuration key.</summary>
    public IResourceBuilder<T> ApplyTo<T>(IResourceBuilder<T> resource) where T : IResourceWithEnvironment
    {
        foreach (var (environmentVariable, parameter) in _configured)
        {
            resource.WithEnvironment(environmentVariable, parameter);
        }

        return resource;
    }

    /// <summary>Passes <c>Admin:ApiKey</c> (parameter <c>admin-api-key</c>), if configured, to the API.</summary>
    public IResourceBuilder<T> ApplyAdminTo<T>(IResourceBuilder<T> api) where T : IResourceWithEnvironment => _admin!.ApplyTo(api);

    /// <summary>Passes the configured WeChat credentials to <paramref name="resource"/> under another configuration section.</summary>
    public IResourceBuilder<T> ApplyWeChatIdentityTo<T>(IResourceBuilder<T> resource, string section) where T : IResourceWithEnvironment
    {
        foreach (var (environmentVariable, parameter) in _configured.Where(c => c.EnvironmentVariable.StartsWith("WeChat__", StringComparison.Ordinal)))
        {
            resource.WithEnvironment(section + environmentVariable["WeChat".Length..], parameter);
        }

        return resource;
    }

    private int AddConfigured(
        IDistributedApplicationBuilder builder, (string Parameter, string EnvironmentVariable, bool Secret)[] settings)
    {
        var count = 0;
        foreach (var (name, environmentVariable, secret) in settings)
        {
            if (!string.IsNullOrWhiteSpace(builder.Configuration[$"Parameters:{name}"]))
            {
                _configured.Add((environmentVariable, builder.AddParameter(name, secret)));
                count++;
            }
        }

        return count;
    }
}
