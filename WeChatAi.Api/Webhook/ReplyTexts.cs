using Microsoft.Extensions.Options;
using WeChatAi.Api.Admission;
using WeChatAi.Api.Billing;
using WeChatAi.Core.Compliance;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Api.Webhook;

/// <summary>
/// The texts the webhook answers with: its fixed ones, and the operator's as last set (live settings): the
/// acknowledgement, the welcome, the texts of a refused or late message.
/// </summary>
public sealed class ReplyTexts(IOptionsMonitor<WeChatOptions> options, IOptionsMonitor<ComplianceOptions> compliance, QuotaReplies quota)
{
    public const string RateLimitedText = "您发送得太快了，请稍后再试。";
    public const string UnsupportedText = "目前只支持文字、语音和图片消息，请发送文字、语音或图片。";
    public const string NoVisionText = "暂时还看不懂图片，请用文字描述您的问题。";
    public const string NoTranscriptionText = "暂时还听不懂这条语音，请发送文字。";

    /// <summary><c>WeChat:AckText</c> (<c>正在思考中...</c>).</summary>
    public string Acknowledgement => options.CurrentValue.AckText;

    /// <summary>The answer missed WeChat's last attempt in passive mode: <c>WeChat:PassiveLateText</c>.</summary>
    public string PassiveLate => options.CurrentValue.PassiveLateText;

    /// <summary>The answer to a message admission refused without a job; null when it was enqueued.</summary>
    public string? ForRefused(AdmissionOutcome outcome) => outcome switch
    {
        AdmissionOutcome.RateLimited => RateLimitedText,
        AdmissionOutcome.Blocked => options.CurrentValue.BlockedUserText,
        AdmissionOutcome.OverQuota => quota.OverQuotaText,
        AdmissionOutcome.QuotaUnavailable => QuotaReplies.UnavailableText,
        _ => null,
    };

    /// <summary>
    /// A follow's reply: <c>WeChat:WelcomeText</c> and the filed model's name and number, shown where the user first
    /// meets the service (生成式人工智能服务管理暂行办法); null when both are empty.
    /// </summary>
    public string? Welcome() =>
        (options.CurrentValue.WelcomeText, compliance.CurrentValue.Disclosure()) switch
        {
            ("", "") => null,
            (var welcomeText, "") => welcomeText,
            ("", var disclosure) => disclosure,
            (var welcomeText, var disclosure) => $"{welcomeText}\n{disclosure}",
        };
}
