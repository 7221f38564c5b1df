using System.ComponentModel.DataAnnotations;
using WeChatAi.Core.WeChat;

namespace WeChatAi.UnitTests.Admin;

/// <summary><c>WeChat:BlockedUserText</c> is checked at startup (AddValidatedOptions), naming the setting.</summary>
public sealed class BlockedUserTextTests
{
    [Fact]
    public void An_empty_or_too_long_text_is_refused_by_name_and_the_default_passes()
    {
        Assert.Empty(Errors(new WeChatOptions()));
        Assert.Equal(["WeChat:BlockedUserText must not be empty."], Errors(new WeChatOptions { BlockedUserText = "  " }));
        Assert.Equal(["WeChat:BlockedUserText must be at most 600 characters (one WeChat message)."], Errors(new WeChatOptions { BlockedUserText = new string('限', 601) }));
        Assert.Empty(Errors(new WeChatOptions { BlockedUserText = new string('限', 600) }));
    }

    private static IEnumerable<string?> Errors(WeChatOptions options)
    {
        var results = new List<ValidationResult>();
        return Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true) ? [] : results.Select(r => r.ErrorMessage);
    }
}
