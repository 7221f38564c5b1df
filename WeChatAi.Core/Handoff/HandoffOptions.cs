using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Core.Handoff;

/// <summary>Handoff to a person (转人工), section <c>Handoff</c>; docs/handoff.md.</summary>
public sealed class HandoffOptions : IValidatableObject
{
    public const string Section = "Handoff";

    /// <summary>The <see cref="Target"/> that keeps sessions here: operators answer from the console.</summary>
    public const string ConsoleTarget = "console";

    /// <summary>The <see cref="Target"/> that hands the user to WeChat's own customer-service system.</summary>
    public const string WeChatKfTarget = "wechat-kf";

    /// <summary>The CLICK key of a menu button that asks for a person (docs/menus.md).</summary>
    public const string MenuKey = "handoff";

    private const int MaxText = 600;

    public bool Enabled { get; set; } = true;

    /// <summary><c>console</c> (sessions here) or <c>wechat-kf</c> (WeChat's <c>transfer_customer_service</c> reply).</summary>
    public string Target { get; set; } = ConsoleTarget;

    /// <summary>Whole messages that ask for a person (after trimming spaces and closing punctuation).</summary>
    public string[] Keywords { get; set; } = ["转人工", "人工客服", "人工"];

    [MaxLength(MaxText, ErrorMessage = "Handoff:StartText must be at most 600 characters (one WeChat message).")]
    public string StartText { get; set; } = "已为您转接人工客服，请稍候…";

    /// <summary>Answered to the user's messages while a session waits; empty: nothing.</summary>
    [MaxLength(MaxText, ErrorMessage = "Handoff:WaitingText must be at most 600 characters (one WeChat message).")]
    public string WaitingText { get; set; } = "人工客服会尽快回复您，请稍候。";

    [Range(1, 1440, ErrorMessage = "Handoff:WaitingTextMinutes must be between 1 and 1440.")]
    public int WaitingTextMinutes { get; set; } = 5;

    /// <summary>Passive-only accounts: WeChat gives them no way to push an operator's answer.</summary>
    [MaxLength(MaxText, ErrorMessage = "Handoff:UnavailableText must be at most 600 characters (one WeChat message).")]
    public string UnavailableText { get; set; } = "抱歉，本公众号暂不支持人工客服，请直接留言，我们会尽快处理。";

    [MaxLength(MaxText, ErrorMessage = "Handoff:EndText must be at most 600 characters (one WeChat message).")]
    public string EndText { get; set; } = "人工客服已结束，接下来由 AI 助手为您服务。";

    [Range(1, 10080, ErrorMessage = "Handoff:IdleMinutes must be between 1 and 10080.")]
    public int IdleMinutes { get; set; } = 30;

    [MaxLength(MaxText, ErrorMessage = "Handoff:IdleText must be at most 600 characters (one WeChat message).")]
    public string IdleText { get; set; } = "人工客服暂时离开，接下来由 AI 助手为您服务；需要时请再发送“转人工”。";

    /// <summary>A WeCom group robot's URL, told once when a user has waited <see cref="NotifyAfterSeconds"/>; empty: none.</summary>
    public string? NotifyWebhookUrl { get; set; }

    /// <summary>Development only (tests, a local robot): <see cref="NotifyWebhookUrl"/> may be a loopback or private address.</summary>
    public bool NotifyAllowPrivateAddresses { get; set; }

    [Range(1, 86400, ErrorMessage = "Handoff:NotifyAfterSeconds must be between 1 and 86400.")]
    public int NotifyAfterSeconds { get; set; } = 120;

    /// <summary>e.g. <c>Mon-Fri 09:00-18:00; Sat 10:00-16:00</c> (<see cref="OpeningHours"/>); empty: always open.</summary>
    public string? OpeningHours { get; set; }

    /// <summary>The time zone of <see cref="OpeningHours"/> (IANA).</summary>
    public string TimeZone { get; set; } = "Asia/Shanghai";

    [MaxLength(MaxText, ErrorMessage = "Handoff:ClosedText must be at most 600 characters (one WeChat message).")]
    public string ClosedText { get; set; } = "人工客服的工作时间是周一至周五 9:00–18:00，现在由 AI 助手为您服务。";

    /// <summary>How often the worker looks for idle sessions and users waiting too long.</summary>
    [Range(1, 600, ErrorMessage = "Handoff:SweepSeconds must be between 1 and 600.")]
    public int SweepSeconds { get; set; } = 15;

    /// <summary>How long an operator's push waits for WeChat's answer (no retry: WeChat may have taken it); then it is <c>unknown</c>.</summary>
    [Range(1, 60, ErrorMessage = "Handoff:PushTimeoutSeconds must be between 1 and 60.")]
    public int PushTimeoutSeconds { get; set; } = 10;

    public bool KeepsSessions => Enabled && Target == ConsoleTarget;

    /// <summary>
    /// When a reply still <c>sending</c> belongs to a request that died (the sweep marks it <c>unknown</c>): past two
    /// pushes (a token renewal's) and the token fetch's own bound (the HTTP defaults' 30 s), with room.
    /// </summary>
    public TimeSpan SendingGivenUpAfter => TimeSpan.FromSeconds((2 * PushTimeoutSeconds) + 90);

    /// <summary>Parsed once validated; always open when <see cref="OpeningHours"/> is empty.</summary>
    public OpeningHours Hours() => Handoff.OpeningHours.Parse(OpeningHours, TimeZone);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Target is not (ConsoleTarget or WeChatKfTarget))
        {
            yield return new ValidationResult($"Handoff:Target must be '{ConsoleTarget}' or '{WeChatKfTarget}', not '{Target}'.", [nameof(Target)]);
        }

        if (Target == ConsoleTarget && Enabled && string.IsNullOrEmpty(StartText))
        {
            yield return new ValidationResult("Handoff:StartText must not be empty: the user must know a person was called.", [nameof(StartText)]);
        }

        if (Keywords.Any(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult("Handoff:Keywords must not hold an empty word.", [nameof(Keywords)]);
        }

        string? error = null;
        try
        {
            Hours();
        }
        catch (FormatException ex)
        {
            error = ex.Message;
        }

        if (error is not null)
        {
            yield return new ValidationResult(error, [nameof(OpeningHours)]);
        }

        if (!string.IsNullOrEmpty(NotifyWebhookUrl) && !(Uri.TryCreate(NotifyWebhookUrl, UriKind.Absolute, out var url) && url.Scheme is "https" or "http"))
        {
            yield return new ValidationResult("Handoff:NotifyWebhookUrl must be an absolute http(s) URL.", [nameof(NotifyWebhookUrl)]);
        }
    }
}
