using WeChatAi.Api.Commands;

namespace WeChatAi.Api.Billing;

/// <summary><c>额度</c> (or the menu's "my quota" button): free questions left today, credits, where to buy more.</summary>
internal sealed class QuotaCommand(QuotaReplies quota) : IChatCommand
{
    public const string Key = "quota";

    public string MenuKey => Key;

    public IReadOnlyList<string> Words { get; } = ["额度", "/quota"];

    public string Description => "查看今天剩余的免费提问和积分";

    public async ValueTask<CommandReply> RunAsync(CommandContext context, CancellationToken cancellationToken) =>
        CommandReply.Say(await quota.DescribeAsync(context.AppId, context.OpenId, cancellationToken).ConfigureAwait(false));
}
