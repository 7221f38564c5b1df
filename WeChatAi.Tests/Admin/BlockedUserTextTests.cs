using System.ComponentModel.DataAnnotations;
using WeChatAi.Core.WeChat;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Admin;

/// <summary><c>WeChat:BlockedUserText</c> is checked at startup, naming the setting.</summary>
public sealed class BlockedUserTextTests
{
    [Fact]
    public void An_empty_or_too_long_text_is_refused_by_name_and_the_default_passes()
    {
        Assert.Empty(Validate(new WeChatOptions()));
        Assert.Equal(["WeChat:BlockedUserText must not be empty."], Validate(new WeChatOptions { BlockedUserText = "  " }));
        Assert.Equal(["WeChat:BlockedUserText must be at most 600 characters (one WeChat message)."], Validate(new WeChatOptions { BlockedUserText = new string('限', 601) }));
        Assert.Empty(Validate(new WeChatOptions { BlockedUserText = new string('限', 600) }));
    }

    [Fact]
    public async Task The_API_refuses_to_start_with_an_empty_text_and_says_which_setting()
    {
        var (exitCode, output) = await ServiceProcess.RunToCompletionAsync("WeChatAi.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = "127.0.0.1:1",
            ["ConnectionStrings__wechatdb"] = "Host=127.0.0.1;Port=1",
            ["WeChat__BlockedUserText"] = "",
        });

        Assert.NotEqual(0, exitCode);
        Assert.Contains("WeChat:BlockedUserText must not be empty.", output, StringComparison.Ordinal);
    }

    private static List<string> Validate(WeChatOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.Select(r => r.ErrorMessage!)];
    }
}
