using Microsoft.Extensions.Configuration;

namespace WeChatAi.AppHost.Configuration;

/// <summary>
/// Non-secret settings that may be given to the AppHost (appsettings, user-secrets, command line) and are passed on
/// to the services that read them. Secrets never go this way: they are Aspire parameters (<c>ExternalSecrets</c>).
/// </summary>
public sealed class ForwardedSettings
{
    public static readonly string[] Api =
    [
        "WeChat:ReplyMode", "WeChat:AckMode", "WeChat:AckText", "WeChat:WelcomeText", "WeChat:PassiveLateText", "WeChat:BlockedUserText", "WeChat:TimestampToleranceSeconds", "WeChat:AcceptPlaintext",
        "RateLimits:PerUserPerMinute", "RateLimits:PerUserBurst",
        "Compliance:AiLabel", "Compliance:ModelName", "Compliance:FilingNumber", "Compliance:UserAgreementUrl", "Compliance:RetentionDays",
        "Llm:VisionModel", "Llm:TranscriptionModel", "Llm:PricePer1kTokens",
        "WeChat:ApiBaseUrl", "Commands:HelpIntro", "Keywords:RegexTimeoutMilliseconds",
        "WeChatPay:MchId", "WeChatPay:MerchantSerialNo", "WeChatPay:PublicKeyId", "WeChatPay:NotifyUrl", "WeChatPay:QueryAfterMinutes", "WeChatPay:ReconcileIntervalSeconds",
        "Billing:FreeDailyMessages", "Billing:PurchaseUrl", "Billing:OrderExpiryMinutes", "Billing:MaxPendingOrders", "Api:PublicBaseUrl", "WeChat:OAuthBaseUrl",

        // The console's settings page shows and validates the worker's texts too (docs/settings.md).
        "WeChat:BlockedUserText", "Safety:BlockedQuestionText", "Safety:BlockedAnswerText",
        .. BillingProducts(),
    ];

    public static readonly string[] Worker =
    [
        "WeChat:ReplyMode", "WeChat:ApiBaseUrl", "Llm:BaseUrl", "Llm:Model", "Llm:SystemPrompt", "Llm:TimeoutSeconds", "Llm:MaxConcurrency",
        "Worker:MaxConcurrency", "Worker:InitialConcurrency", "Worker:MaxAttempts", "Worker:ClaimIdleSeconds",
        "WeChat:AckMode", "Llm:ShowReasoning", "Compliance:AiLabel", "Compliance:RetentionDays",
        "Safety:BlockedQuestionText", "Safety:BlockedAnswerText", "Safety:ModerationUrl", "Safety:ModerationModel",
        "Safety:ModerationTimeoutMs", "Safety:ModerationFailClosed",
        "Llm:VisionModel", "Llm:VisionBaseUrl", "Llm:TranscriptionModel", "Llm:TranscriptionBaseUrl", "Llm:TranscriptionFormat", "Media:FfmpegPath",
        "Media:AllowedImageHosts", "Media:MaxImagePixels", "Media:MaxConcurrentDecodes",
        .. BillingProducts(),
    ];

    /// <summary>The credit packs (<c>Billing:Products:{i}:*</c>), up to ten, for the API (sales) and the worker (validation).</summary>
    private static IEnumerable<string> BillingProducts() =>
        Enumerable.Range(0, 10).SelectMany(i => "Id Name PriceFen Credits ValidityDays".Split(' ').Select(f => $"Billing:Products:{i}:{f}"));

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
    private readonly Dictionary<string, IResourceBuilder<ParameterResource>> _parameters = [];

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

    /// <summary>Passes each of <paramref name="keys"/> that is configured (or published as a parameter) to <paramref name="resource"/>.</summary>
    public IResourceBuilder<T> ApplyTo<T>(IResourceBuilder<T> resource, IEnumerable<string> keys) where T : IResourceWithEnvironment
    {
        foreach (var key in keys)
        {
            var variable = key.Replace(":", "__", StringComparison.Ordinal);
            if (_parameters.TryGetValue(key, out var parameter))
            {
                resource.WithEnvironment(variable, parameter);
            }
            else if (_configuration[key] is { Length: > 0 } value)
            {
                resource.WithEnvironment(variable, value);
            }
        }

        return resource;
    }
}
