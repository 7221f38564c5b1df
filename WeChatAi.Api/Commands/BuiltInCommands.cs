using Microsoft.Extensions.Options;
using WeChatAi.Core.Compliance;
using WeChatAi.Core.Queue;

namespace WeChatAi.Api.Commands;

/// <summary><c>关于</c>: the compliance disclosure (AI-generated answers, the filed model, the agreement, retention).</summary>
internal sealed class AboutCommand(IOptionsMonitor<ComplianceOptions> compliance) : IChatCommand
{
    public const string Key = "about";

    public string MenuKey => Key;

    public IReadOnlyList<string> Words { get; } = ["关于", "/about"];

    public string Description => "服务说明";

    public ValueTask<CommandReply> RunAsync(CommandContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CommandReply.Say(compliance.CurrentValue.AboutText()));
}

/// <summary><c>帮助</c>: how to use the account and every command (built from the registered ones).</summary>
internal sealed class HelpCommand(IOptions<CommandOptions> options, IServiceProvider services) : IChatCommand
{
    public const string Key = "help";

    public string MenuKey => Key;

    public IReadOnlyList<string> Words { get; } = ["帮助", "/help"];

    public string Description => "本帮助";

    public ValueTask<CommandReply> RunAsync(CommandContext context, CancellationToken cancellationToken)
    {
        // Resolved here, not in the constructor: the catalog holds this command too.
        var commands = services.GetRequiredService<CommandCatalog>().Commands;
        var lines = commands.Select(c => $"{c.Words[0]}（{string.Join("、", c.Words.Skip(1))}）：{c.Description}");
        return ValueTask.FromResult(CommandReply.Say($"{options.Value.HelpIntro}\n{string.Join('\n', lines)}"));
    }
}

/// <summary>
/// <c>新对话</c>: forget the conversation. Enqueued as the worker's <see cref="JobCommands.Reset"/>, so the worker
/// stays the one owner of the memory and the reset waits for the user's earlier questions.
/// </summary>
internal sealed class NewConversationCommand : IChatCommand
{
    public const string Key = "new_conversation";

    public string MenuKey => Key;

    public IReadOnlyList<string> Words { get; } = ["新对话", "/new"];

    public string Description => "清除对话记忆，重新开始";

    public ValueTask<CommandReply> RunAsync(CommandContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(CommandReply.Enqueue(JobCommands.Reset));
}
