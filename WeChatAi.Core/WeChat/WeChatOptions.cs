using System.ComponentModel.DataAnnotations;
using WeChatAi.Core.Replies;

namespace WeChatAi.Core.WeChat;

/// <summary>
/// The official account (section <c>WeChat</c>), read by the API (the webhook) and the worker (WeChat's API): the
/// server configuration of the account's console, the texts of passive replies and WeChat's message limits.
/// </summary>
public sealed class WeChatOptions : IValidatableObject
{
    public const string Section = "WeChat";

    /// <summary>Characters of a text the account sends as one message: 600 (at most 1,800 UTF-8 bytes, within WeChat's 2,048).</summary>
    public const int MaxTextLength = 600;

    /// <summary>Shared secret for request signatures. Absent on a fresh machine: the webhook is then off (503).</summary>
    public string? Token { get; set; }

    /// <summary>Scopes de-duplication, jobs, tokens and safe-mode decryption.</summary>
    public string? AppId { get; set; }

    /// <summary>For access tokens; without it (or the AppId) the worker does not consume, and says so once.</summary>
    public string? AppSecret { get; set; }

    /// <summary>Safe-mode key (43 characters). Without it, encrypted requests are refused.</summary>
    public string? EncodingAESKey { get; set; }

    /// <summary>The key before the last rotation, so messages WeChat encrypted with it still decrypt.</summary>
    public string? PreviousEncodingAESKey { get; set; }

    /// <summary>
    /// With <see cref="EncodingAESKey"/> set, also accept plaintext pushes (signed query string only) for the minutes
    /// of switching the account to safe mode in WeChat's console. Off by default: WeChat in safe mode always encrypts,
    /// so a plaintext push is either a console still in plaintext mode or a forgery under a leaked query string.
    /// </summary>
    public bool AcceptPlaintext { get; set; }

    /// <summary>How far a request timestamp may be from now before it is replayed traffic; 0 disables the check.</summary>
    [Range(0, int.MaxValue, ErrorMessage = "WeChat:TimestampToleranceSeconds must be 0 (off) or a positive number of seconds.")]
    public int TimestampToleranceSeconds { get; set; } = 300;

    [EnumDataType(typeof(ReplyMode), ErrorMessage = "WeChat:ReplyMode must be 'push' or 'passive'.")]
    public ReplyMode ReplyMode { get; set; } = ReplyMode.Push;

    /// <summary>Push mode: the passive text, the typing indicator (sent by the worker when it starts the job), or both.</summary>
    [EnumDataType(typeof(AckMode), ErrorMessage = "WeChat:AckMode must be 'text', 'typing' or 'both'.")]
    public AckMode AckMode { get; set; } = AckMode.Typing;

    /// <summary>
    /// With typing: the worker sends WeChat's typing command only if the answer is not back this long after the job
    /// started (0: at once). WeChat shows "对方正在输入" only while the user waits, so a faster answer needs none.
    /// </summary>
    [Range(0, 10_000, ErrorMessage = "WeChat:TypingDelayMs must be between 0 and 10000.")]
    public int TypingDelayMs { get; set; } = 1_000;

    /// <summary>Passive reply while the answer is computed (AckMode text or both); to show nothing, use AckMode typing.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "WeChat:AckText must not be empty (to show nothing, set WeChat:AckMode to typing).")]
    [MaxLength(MaxTextLength, ErrorMessage = "WeChat:AckText must be at most 600 characters (one WeChat message).")]
    public string AckText { get; set; } = "正在思考中...";

    /// <summary>The follow greeting (before the compliance lines); empty: none.</summary>
    [MaxLength(MaxTextLength, ErrorMessage = "WeChat:WelcomeText must be at most 600 characters (one WeChat message).")]
    public string WelcomeText { get; set; } = "感谢关注！直接发送文字或语音提问，我会尽快为你解答。";

    /// <summary>Passive mode: the reply when the answer missed WeChat's last attempt; it comes with the next message.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "WeChat:PassiveLateText must not be empty.")]
    [MaxLength(MaxTextLength, ErrorMessage = "WeChat:PassiveLateText must be at most 600 characters (one WeChat message).")]
    public string PassiveLateText { get; set; } = "回答还在生成中，请稍后发送任意消息查看。";

    /// <summary>The reply to a user the operator blocked (no job, no charge).</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "WeChat:BlockedUserText must not be empty.")]
    [MaxLength(MaxTextLength, ErrorMessage = "WeChat:BlockedUserText must be at most 600 characters (one WeChat message).")]
    public string BlockedUserText { get; set; } = "你的账号已被限制使用本服务，如有疑问请联系客服。";

    /// <summary>How long answer parts wait for the user's next message.</summary>
    [Range(1, 10_000, ErrorMessage = "WeChat:PendingTtlHours must be between 1 and 10000.")]
    public int PendingTtlHours { get; set; } = ReplyKeys.DefaultPendingTtlHours;

    [Required(ErrorMessage = "WeChat:ApiBaseUrl must be set.")]
    [Url(ErrorMessage = "WeChat:ApiBaseUrl must be an absolute http(s) URL.")]
    public string ApiBaseUrl { get; set; } = "https://api.weixin.qq.com";

    /// <summary>Where the purchase page sends the browser for OAuth2 (<c>/connect/oauth2/authorize</c>, <c>snsapi_base</c>).</summary>
    [Required(ErrorMessage = "WeChat:OAuthBaseUrl must be set.")]
    [Url(ErrorMessage = "WeChat:OAuthBaseUrl must be an absolute http(s) URL.")]
    public string OAuthBaseUrl { get; set; } = "https://open.weixin.qq.com";

    /// <summary>Customer-service messages WeChat allows after one user message (within <see cref="BudgetWindowHours"/>).</summary>
    [Range(1, 100, ErrorMessage = "WeChat:MessageBudget must be between 1 and 100.")]
    public int MessageBudget { get; set; } = 5;

    [Range(1, 1_000, ErrorMessage = "WeChat:BudgetWindowHours must be between 1 and 1000.")]
    public int BudgetWindowHours { get; set; } = 48;

    /// <summary>Bytes of one text message (UTF-8).</summary>
    [Range(64, 2_048, ErrorMessage = "WeChat:MaxMessageBytes must be between 64 and 2048.")]
    public int MaxMessageBytes { get; set; } = 2_048;

    /// <summary>Cluster-wide: at most one forced token refresh per this many seconds.</summary>
    [Range(1, 3_600, ErrorMessage = "WeChat:ForceRefreshIntervalSeconds must be between 1 and 3600.")]
    public int ForceRefreshIntervalSeconds { get; set; } = 30;

    /// <summary>The webhook answers WeChat.</summary>
    public bool IsWebhookConfigured => !string.IsNullOrEmpty(Token);

    /// <summary>The worker may call WeChat's API.</summary>
    public bool IsApiConfigured => !string.IsNullOrWhiteSpace(AppId) && !string.IsNullOrWhiteSpace(AppSecret);

    /// <summary>Rules between settings; runs once the attributes above hold.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (IsWebhookConfigured && string.IsNullOrEmpty(AppId))
        {
            yield return new ValidationResult("WeChat:AppId is required when WeChat:Token is set (it scopes de-duplication, jobs and safe-mode decryption).");
        }

        if (string.IsNullOrEmpty(EncodingAESKey) && string.IsNullOrEmpty(PreviousEncodingAESKey))
        {
            yield break;
        }

        if (string.IsNullOrEmpty(EncodingAESKey))
        {
            yield return new ValidationResult("WeChat:EncodingAESKey is required when WeChat:PreviousEncodingAESKey is set.");
            yield break;
        }

        string? keyError = null;
        try
        {
            // The constructor checks both keys and names the setting that is wrong.
            using var crypto = new WeChatMessageCrypto(AppId ?? "-", EncodingAESKey, PreviousEncodingAESKey);
        }
        catch (ArgumentException ex)
        {
            keyError = ex.Message;
        }

        if (keyError is not null)
        {
            yield return new ValidationResult(keyError);
        }
    }
}
