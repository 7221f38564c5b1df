using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Simulator;

/// <summary>
/// Who the simulator pretends to be. The AppHost sets the same Token/AppId/AppSecret/EncodingAESKey on the API and
/// worker, so both sides of every protocol check each other for real.
/// </summary>
public sealed class SimulatorOptions
{
    public const string Section = "Simulator";

    /// <summary>The API's webhook, e.g. <c>http://api/wechat</c> (service discovery) or an absolute URL.</summary>
    [Required]
    public Uri WebhookUrl { get; set; } = null!;

    [Required]
    public string Token { get; set; } = string.Empty;

    [Required]
    public string AppId { get; set; } = string.Empty;

    [Required]
    public string AppSecret { get; set; } = string.Empty;

    /// <summary>When set, messages go out in safe mode (encrypted) unless the page asks for plaintext.</summary>
    public string? EncodingAESKey { get; set; }

    /// <summary>The official account's original id (gh_…), the <c>ToUserName</c> of every message.</summary>
    public string AccountId { get; set; } = "gh_simulator";

    /// <summary>How long issued access tokens live, in seconds (WeChat: 7200).</summary>
    [Range(5, 86_400)]
    public int TokenLifetimeSeconds { get; set; } = 7200;

    public LlmFaultOptions Llm { get; set; } = new();

    /// <summary>What the moderation stand-in flags: any input containing it (type it in the chat page to see a blocked question).</summary>
    [Required(AllowEmptyStrings = false)]
    public string ModerationMarker { get; set; } = "审核测试";

    /// <summary>The webhook's <c>RateLimits:PerUserBurst</c> (the AppHost passes the configured value): the burst panel's presets fit it and it names it.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "Simulator:PerUserBurst must be at least 1.")]
    public int PerUserBurst { get; set; } = 5;

    /// <summary>The webhook's <c>RateLimits:PerUserPerMinute</c>, shown beside the burst limit.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "Simulator:PerUserPerMinute must be at least 1.")]
    public int PerUserPerMinute { get; set; } = 10;

    /// <summary>Where the users and the published menu are kept across restarts (the AppHost's local data folder); unset: forgotten at stop.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>WeChat Pay's stand-in; off unless the AppHost generated its keys.</summary>
    public SimulatedPayOptions Pay { get; set; } = new();
}

/// <summary>
/// The simulated merchant account: the merchant's public key (to check the API's request signatures and paySign) and
/// WeChat Pay's private key (to sign answers and notifications); the API holds the other halves.
/// </summary>
public sealed class SimulatedPayOptions
{
    public string? MchId { get; set; }

    public string? MerchantSerialNo { get; set; }

    public string? MerchantPublicKey { get; set; }

    public string? PublicKeyId { get; set; }

    public string? PayPrivateKey { get; set; }

    public string? ApiV3Key { get; set; }

    public bool IsConfigured => !string.IsNullOrEmpty(MchId) && !string.IsNullOrEmpty(MerchantPublicKey) && !string.IsNullOrEmpty(PayPrivateKey)
        && !string.IsNullOrEmpty(PublicKeyId) && !string.IsNullOrEmpty(ApiV3Key);
}

/// <summary>How the fake LLM behaves; the chat page can change these while it runs.</summary>
public sealed class LlmFaultOptions
{
    [Range(0, 120_000)]
    public int LatencyMs { get; set; } = 2000;

    /// <summary>Share of calls answered 429 with Retry-After: 1 (0..1).</summary>
    [Range(0.0, 1.0)]
    public double RateLimitedRate { get; set; }

    /// <summary>Share of calls answered 503 (0..1).</summary>
    [Range(0.0, 1.0)]
    public double UnavailableRate { get; set; }

    /// <summary>Share of calls that send blank keep-alive lines for <see cref="KeepAliveSeconds"/> before answering, as DeepSeek does under load.</summary>
    [Range(0.0, 1.0)]
    public double KeepAliveRate { get; set; }

    [Range(1, 600)]
    public int KeepAliveSeconds { get; set; } = 90;
}
