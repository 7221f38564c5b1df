using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Api.Commands;

/// <summary>The commands' texts (section <c>Commands</c>).</summary>
public sealed class CommandOptions
{
    public const string Section = "Commands";

    /// <summary>The first line of <c>帮助</c>; the commands are listed below it.</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Commands:HelpIntro must not be empty.")]
    [MaxLength(500, ErrorMessage = "Commands:HelpIntro must be at most 500 characters.")]
    public string HelpIntro { get; set; } = "直接发送文字或语音提问即可。可用指令：";
}
