using System.ComponentModel.DataAnnotations;
using System.Text;

namespace WeChatAi.Core.Compliance;

/// <summary>
/// What Chinese law asks of a generative-AI chat service (section <c>Compliance</c>): the explicit label on generated
/// text (GB 45438-2025), the filed model's name and filing number, the user agreement, and how long exchanges are kept.
/// Read by the API (follow greeting, <c>/about</c>) and the worker (the label, the retention purge).
/// </summary>
public sealed class ComplianceOptions
{
    public const string Section = "Compliance";

    /// <summary>The law's minimum for keeping logs of generated content: six months.</summary>
    public const int MinimumRetentionDays = 180;

    /// <summary>Appended once to every AI answer, in its last part; empty turns the label off (only under a user agreement that says so).</summary>
    [MaxLength(200, ErrorMessage = "Compliance:AiLabel must be at most 200 characters.")]
    public string AiLabel { get; set; } = "【本回复由人工智能生成】";

    /// <summary>The filed model the service is built on, e.g. "DeepSeek-V3".</summary>
    [MaxLength(64, ErrorMessage = "Compliance:ModelName must be at most 64 characters.")]
    public string? ModelName { get; set; }

    /// <summary>The model's filing number (备案号).</summary>
    [MaxLength(64, ErrorMessage = "Compliance:FilingNumber must be at most 64 characters.")]
    public string? FilingNumber { get; set; }

    [Url(ErrorMessage = "Compliance:UserAgreementUrl must be an absolute http(s) URL.")]
    [MaxLength(500, ErrorMessage = "Compliance:UserAgreementUrl must be at most 500 characters.")]
    public string? UserAgreementUrl { get; set; }

    [Range(MinimumRetentionDays, 36_500, ErrorMessage = "Compliance:RetentionDays must be between 180 (the legal minimum of six months) and 36500.")]
    public int RetentionDays { get; set; } = MinimumRetentionDays;

    /// <summary>The message the label's rule gives when it is too long for <c>WeChat:MaxMessageBytes</c>.</summary>
    public const string LabelTooLong = "Compliance:AiLabel must take at most half of WeChat:MaxMessageBytes (in UTF-8 bytes, with its line break).";

    /// <summary>Bytes the label takes at the end of a part (UTF-8, with its line break).</summary>
    public static int LabelBytes(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        return label.Length == 0 ? 0 : Encoding.UTF8.GetByteCount("\n" + label);
    }

    /// <summary>The label must leave room for text: at most half of a message (checked at startup and before a change is saved).</summary>
    public bool LabelFits(int maxMessageBytes) => LabelBytes(AiLabel) <= maxMessageBytes / 2;

    /// <summary>The compliance lines of the follow greeting and of <c>/about</c> (empty when nothing is configured).</summary>
    public string Disclosure()
    {
        var text = new StringBuilder();
        if (!string.IsNullOrWhiteSpace(ModelName))
        {
            text.Append("本服务由人工智能模型").Append(ModelName);
            text.Append(string.IsNullOrWhiteSpace(FilingNumber) ? string.Empty : $"（备案号：{FilingNumber}）");
            text.Append("提供，回复由人工智能生成。");
        }
        else if (!string.IsNullOrWhiteSpace(FilingNumber))
        {
            text.Append("回复由人工智能生成，模型备案号：").Append(FilingNumber).Append('。');
        }

        if (!string.IsNullOrWhiteSpace(UserAgreementUrl))
        {
            text.Append(text.Length > 0 ? "\n" : string.Empty).Append("用户协议：").Append(UserAgreementUrl);
        }

        return text.ToString();
    }

    /// <summary>The answer to <c>/about</c> (<c>关于</c>): always says the answers are AI-generated and how they are labelled.</summary>
    public string AboutText()
    {
        var about = new StringBuilder("关于本服务：回复由人工智能生成");
        about.Append(string.IsNullOrEmpty(AiLabel) ? "。" : $"，每条回复末尾标注“{AiLabel}”。");
        var disclosure = Disclosure();
        if (disclosure.Length > 0)
        {
            about.Append('\n').Append(disclosure);
        }

        about.Append("\n对话记录保存").Append(RetentionDays).Append("天后删除。");
        return about.ToString();
    }
}
