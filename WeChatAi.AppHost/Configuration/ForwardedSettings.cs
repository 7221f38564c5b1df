using Microsoft.Extensions.Configuration;

namespace WeChatAi.AppHost.Configuration;

/// <summary>
/// Non-secret settings that may be given to the AppHost (appsettings, user-secrets, command line) and are passed on
/// to the services that read them. Secrets never go this way: they are Aspire parameters.
/// </summary>
public static class ForwardedSettings
{
    public static readonly string[] Api =
    [
        "WeChat:ReplyMode", "WeChat:AckText", "WeChat:WelcomeText", "WeChat:PassiveLateText", "WeChat:TimestampToleranceSeconds",
        "RateLimits:PerUserPerMinute", "RateLimits:PerUserBurst",
    ];

    public static readonly string[] Worker =
    [
        "WeChat:ReplyMode", "WeChat:ApiBaseUrl", "Llm:BaseUrl", "Llm:Model", "Llm:SystemPrompt", "Llm:TimeoutSeconds", "Llm:MaxConcurrency",
        "Worker:MaxConcurrency", "Worker:InitialConcurrency", "Worker:MaxAttempts", "Worker:ClaimIdleSeconds",
    ];

    public static IResourceBuilder<T> WithForwardedSettings<T>(this IResourceBuilder<T> resource, IConfiguration configuration, IEnumerable<string> keys)
        where T : IResourceWithEnvironment
    {
        foreach (var key in keys)
        {
            if (configuration[key] is { Length: > 0 } value)
            {
                resource.WithEnvironment(key.Replace(":", "__", StringComparison.Ordinal), value);
            }
        }

        return resource;
    }
}
