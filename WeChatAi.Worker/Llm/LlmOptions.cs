using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Worker.Llm;

/// <summary>The OpenAI-compatible chat model (section <c>Llm</c>), DeepSeek by default.</summary>
public sealed class LlmOptions
{
    public const string Section = "Llm";

    [Required(ErrorMessage = "Llm:BaseUrl must be set.")]
    [Url(ErrorMessage = "Llm:BaseUrl must be an absolute http(s) URL.")]
    public string BaseUrl { get; set; } = "https://api.deepseek.com";

    /// <summary>Empty on a fresh machine: the worker then does not consume (and says so once).</summary>
    public string? ApiKey { get; set; }

    [Required(AllowEmptyStrings = false, ErrorMessage = "Llm:Model must not be empty.")]
    public string Model { get; set; } = "deepseek-chat";

    public string SystemPrompt { get; set; } =
        "你是一个微信公众号里的智能助手。请用简洁、友好的中文回答用户的问题；用户用其他语言提问时用同一种语言回答。";

    /// <summary>Hard deadline of one call, retries included (slow responses kept open with blank lines end here).</summary>
    [Range(1, 600, ErrorMessage = "Llm:TimeoutSeconds must be between 1 and 600.")]
    public int TimeoutSeconds { get; set; } = 60;

    /// <summary>Calls in flight at once in this process.</summary>
    [Range(1, 100_000, ErrorMessage = "Llm:MaxConcurrency must be between 1 and 100000.")]
    public int MaxConcurrency { get; set; } = 256;

    /// <summary>HTTP retries of one call on 429/5xx (Retry-After honoured).</summary>
    [Range(0, 10, ErrorMessage = "Llm:MaxRetries must be between 0 and 10.")]
    public int MaxRetries { get; set; } = 3;

    [Range(1, 60_000, ErrorMessage = "Llm:RetryBaseDelayMs must be between 1 and 60000.")]
    public int RetryBaseDelayMs { get; set; } = 1_000;

    /// <summary>Upper bound of the answer length in tokens.</summary>
    [Range(1, 100_000, ErrorMessage = "Llm:MaxOutputTokens must be between 1 and 100000.")]
    public int MaxOutputTokens { get; set; } = 2_048;

    /// <summary>Reasoning models: send a short summary of the thinking before the answer (the thinking itself never reaches the user).</summary>
    public bool ShowReasoning { get; set; }

    [Range(20, 1_000, ErrorMessage = "Llm:ReasoningSummaryChars must be between 20 and 1000.")]
    public int ReasoningSummaryChars { get; set; } = 200;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ApiKey);
}
