namespace WeChatAi.Api.Commands;

/// <summary>
/// A command the API answers itself, from a menu button (<see cref="MenuKey"/>) or a whole text message
/// (<see cref="Words"/>). New commands register with <c>AddChatCommand&lt;T&gt;()</c> and appear in the help text.
/// </summary>
public interface IChatCommand
{
    /// <summary>The CLICK key of the menu button that runs it (at most 128 bytes).</summary>
    string MenuKey { get; }

    /// <summary>Messages that run it when sent alone, e.g. <c>关于</c> and <c>/about</c>; the first is shown in the help text.</summary>
    IReadOnlyList<string> Words { get; }

    /// <summary>One line for the help text.</summary>
    string Description { get; }

    ValueTask<CommandReply> RunAsync(CommandContext context, CancellationToken cancellationToken);
}

/// <param name="AppId">The official account.</param>
/// <param name="OpenId">The user who sent the command.</param>
public readonly record struct CommandContext(string AppId, string OpenId);

/// <summary>
/// What a command answers: a text at once, a message to enqueue for the worker as if the user sent it, or (handoff to
/// WeChat's customer-service system) the <c>transfer_customer_service</c> reply.
/// </summary>
public sealed record CommandReply
{
    private CommandReply(string? text, string? jobContent, bool transfers = false)
    {
        Text = text;
        JobContent = jobContent;
        TransfersToCustomerService = transfers;
    }

    /// <summary>The passive reply hands the user to WeChat's customer-service system (<c>Handoff:Target=wechat-kf</c>).</summary>
    public static CommandReply TransferToCustomerService { get; } = new(null, null, transfers: true);

    /// <summary>An empty passive reply: nothing to say now (a message held for a person, the waiting text sent lately).</summary>
    public static CommandReply Nothing { get; } = new(null, null);

    public bool TransfersToCustomerService { get; }

    /// <summary>The passive reply, when the command answers at once.</summary>
    public string? Text { get; }

    /// <summary>The job's content, when the worker answers (admitted like a message: de-duplicated and rate-limited).</summary>
    public string? JobContent { get; }

    public static CommandReply Say(string text) => new(text, null);

    public static CommandReply Enqueue(string content) => new(null, content);
}
