using System.ComponentModel.DataAnnotations;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Core.Safety;

/// <summary>
/// What content safety says instead (section <c>Safety</c>, beside the worker's <c>SafetyOptions</c>): in Core so the
/// API validates an operator's change with the same rules the worker starts with.
/// </summary>
public sealed class SafetyTextOptions
{
    public const string Section = "Safety";

    /// <summary>What a user whose question is blocked gets; the question never reaches the LLM.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Safety:BlockedQuestionText must not be empty.")]
    [MaxLength(WeChatOptions.MaxTextLength, ErrorMessage = "Safety:BlockedQuestionText must be at most 600 characters (one WeChat message).")]
    public string BlockedQuestionText { get; set; } = "抱歉，你的问题包含不适宜讨论的内容，我无法回答。换个话题吧。";

    /// <summary>What a user gets instead of an answer that is blocked.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Safety:BlockedAnswerText must not be empty.")]
    [MaxLength(WeChatOptions.MaxTextLength, ErrorMessage = "Safety:BlockedAnswerText must be at most 600 characters (one WeChat message).")]
    public string BlockedAnswerText { get; set; } = "抱歉，这个问题我暂时无法回答。换个话题吧。";
}
