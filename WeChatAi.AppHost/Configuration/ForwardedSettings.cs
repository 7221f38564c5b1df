using Microsoft.Extensions.Configuration;
using WeChatAi.AppHost.Secrets;

namespace WeChatAi.AppHost.Configuration;

/// <summary>
/// Settings given to the AppHost (appsettings, user-secrets, command line, environment) and passed on to the services:
/// each service gets every configured key that one of its options classes declares (<see cref="ServiceSettings"/>), so
/// a new option needs no change here. Secrets never go this way: they are Aspire parameters (<see cref="ExternalSecrets"/>),
/// and a key those parameters supply or whose name says it is a secret is never passed on as text, so no configured
/// value of it can reach a service's environment or the published manifest.
/// </summary>
public sealed class ForwardedSettings
{
    /// <summary>How a setting's last name ends when it is a credential (<c>Llm:VisionApiKey</c>, <c>Admin:Users:0:PasswordHash</c>).</summary>
    private static readonly string[] SecretEndings = ["Key", "Secret", "Token", "Password", "PasswordHash"];

    /// <summary>
    /// What an operator picks per deployment. Published as parameters whose default is the configured value or the
    /// services' own default (LlmOptions, WeChatOptions), so azd asks nothing for them and each environment can change them.
    /// </summary>
    public static readonly (string Parameter, string Key, string Default)[] Published =
    [
        ("llm-base-url", "Llm:BaseUrl", "https://api.deepseek.com"),
        ("llm-model", "Llm:Model", "deepseek-chat"),
        ("wechat-reply-mode", "WeChat:ReplyMode", "push"),
    ];

    private readonly IConfiguration _configuration;
    private readonly Dictionary<string, IResourceBuilder<ParameterResource>> _parameters = new(StringComparer.OrdinalIgnoreCase);

    private ForwardedSettings(IConfiguration configuration)
    {
        _configuration = configuration;
    }

    public static ForwardedSettings AddFrom(IDistributedApplicationBuilder builder)
    {
        var settings = new ForwardedSettings(builder.Configuration);
        if (builder.ExecutionContext.IsPublishMode)
        {
            foreach (var (parameter, key, fallback) in Published)
            {
                var value = builder.Configuration[key] is { Length: > 0 } configured ? configured : fallback;
                settings._parameters[key] = builder.AddParameter(parameter, value, publishValueAsDefault: true);
            }
        }

        return settings;
    }

    /// <summary>Passes each configured (or published) setting that <paramref name="project"/>'s options classes declare to it.</summary>
    public IResourceBuilder<ProjectResource> ApplyTo(IResourceBuilder<ProjectResource> project)
    {
        var declared = ServiceSettings.Of(project);
        foreach (var (key, parameter) in _parameters.Where(p => declared.Declares(p.Key)))
        {
            project.WithEnvironment(Variable(key), parameter);
        }

        var settings = _configuration.AsEnumerable().Where(s => s.Value is { Length: > 0 }).ToList();
        // An item holding a credential (an operator's name beside its password hash) stays whole with the service:
        // its name alone would make the service refuse to start for want of the hash.
        var withCredentials = settings.Where(s => IsSecret(s.Key)).Select(s => ListItem(s.Key)).OfType<string>()
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in settings)
        {
            if (declared.Declares(key) && !_parameters.ContainsKey(key) && !IsSecret(key)
                && !withCredentials.Any(item => key.StartsWith(item, StringComparison.OrdinalIgnoreCase)))
            {
                project.WithEnvironment(Variable(key), value!);
            }
        }

        return project;
    }

    /// <summary>True when <paramref name="key"/> is never passed on as text: a parameter supplies it, or its name says it is a credential.</summary>
    private static bool IsSecret(string key) =>
        ExternalSecrets.Supplies(key) || SecretEndings.Any(ending => key.EndsWith(ending, StringComparison.OrdinalIgnoreCase));

    /// <summary>"Admin:Users:0:" for "Admin:Users:0:PasswordHash"; null when the key is not inside a list's item.</summary>
    private static string? ListItem(string key)
    {
        var parts = key.Split(':');
        return parts.Length > 2 && int.TryParse(parts[^2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)
            ? string.Join(':', parts[..^1]) + ":"
            : null;
    }

    private static string Variable(string key) => key.Replace(":", "__", StringComparison.Ordinal);
}
