using System.ComponentModel.DataAnnotations;
using WeChatAi.Core.Queue;

namespace WeChatAi.Worker.Delivery;

/// <summary>What the worker needs of the official account (section <c>WeChat</c>, shared with the webhook).</summary>
public sealed class WeChatApiOptions
{
    public const string Section = "WeChat";

    [Required(ErrorMessage = "WeChat:ApiBaseUrl must be set.")]
    [Url(ErrorMessage = "WeChat:ApiBaseUrl must be an absolute http(s) URL.")]
    public string ApiBaseUrl { get; set; } = "https://api.weixin.qq.com";

    /// <summary>Empty on a fresh machine: the worker then does not consume (and says so once).</summary>
    public string? AppId { get; set; }

    public string? AppSecret { get; set; }

    /// <summary><c>push</c> (customer-service API) or <c>passive</c> (the API's reply to WeChat's request).</summary>
    public ReplyMode ReplyMode { get; set; } = ReplyMode.Push;

    /// <summary>Customer-service messages WeChat allows after one user message (within 48 h).</summary>
    [Range(1, 100, ErrorMessage = "WeChat:MessageBudget must be between 1 and 100.")]
    public int MessageBudget { get; set; } = 5;

    [Range(1, 1_000, ErrorMessage = "WeChat:BudgetWindowHours must be between 1 and 1000.")]
    public int BudgetWindowHours { get; set; } = 48;

    /// <summary>Bytes of one text message (UTF-8).</summary>
    [Range(64, 2_048, ErrorMessage = "WeChat:MaxMessageBytes must be between 64 and 2048.")]
    public int MaxMessageBytes { get; set; } = 2_048;

    /// <summary>How long parts that did not fit the budget wait for the user's next message.</summary>
    [Range(1, 10_000, ErrorMessage = "WeChat:PendingTtlHours must be between 1 and 10000.")]
    public int PendingTtlHours { get; set; } = PassiveReplyKeys.DefaultPendingTtlHours;

    /// <summary>Cluster-wide: at most one forced token refresh per this many seconds.</summary>
    [Range(1, 3_600, ErrorMessage = "WeChat:ForceRefreshIntervalSeconds must be between 1 and 3600.")]
    public int ForceRefreshIntervalSeconds { get; set; } = 30;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(AppId) && !string.IsNullOrWhiteSpace(AppSecret);
}
