using Microsoft.Extensions.Options;
using WeChatAi.Api.Admission;
using WeChatAi.Api.Commands;
using WeChatAi.Api.Handoff;
using WeChatAi.Api.Keywords;
using WeChatAi.Api.Passive;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Api.Webhook;

/// <summary>
/// What the webhook answers before admission, without a job or the LLM: commands, the next pending parts for
/// "继续", a request for a person (<see cref="HandoffDesk"/>) and the operator's keyword rules, in that order (a keyword
/// rule cannot hide <c>关于</c> or 转人工). A command may
/// instead hand the worker a job (<see cref="CommandReply.JobContent"/>), which goes through admission as usual.
/// A blocked user gets <c>WeChat:BlockedUserText</c> instead of any of them; the set is asked only when one would
/// answer, so a question pays no extra round trip (admission checks it in its script).
/// While the user is with a person (docs/handoff.md, "While a session is open") every message reaches the operator:
/// a command answered at once (关于, 帮助, 额度: the service's and the user's own facts, not the AI's) still answers and
/// is recorded; a keyword rule, a command's job (新对话) and "继续" are held for the person like a question.
/// </summary>
public sealed class InstantReplies(CommandCatalog commands, PendingParts pending, HandoffDesk handoff, KeywordReplies keywords, BlockedUsers blocked, IOptionsMonitor<WeChatOptions> options)
{
    /// <summary>Whether <see cref="ForMessageAsync"/> might answer (or read anything): a command, "继续", a request for a person or a keyword rule.</summary>
    public bool MayAnswer(string content) =>
        commands.ForMessage(content) is not null || PendingParts.IsContinue(content) || handoff.IsRequest(content) || keywords.Match(content) is not null;

    /// <returns>The reply, or null when the message is a question for the LLM (or, with a person, for admission to hold).</returns>
    public async ValueTask<CommandReply?> ForMessageAsync(string appId, string openId, long msgId, string content, CancellationToken cancellationToken)
    {
        var message = new HeldMessage(appId, openId, msgId, content, Media: null);
        if (commands.ForMessage(content) is { } command)
        {
            return await RefusedAsync(appId, openId).ConfigureAwait(false) ?? await RunAsync(command, message, cancellationToken).ConfigureAwait(false);
        }

        if (PendingParts.IsContinue(content))
        {
            if (await RefusedAsync(appId, openId).ConfigureAwait(false) is { } refused)
            {
                return refused;
            }

            // With a person, "继续" is the user's word to them: the AI's pending parts wait, the message is held below or by admission.
            if (!await handoff.IsOpenAsync(appId, openId).ConfigureAwait(false) && await pending.TakeNextAsync(appId, openId, msgId).ConfigureAwait(false) is { } next)
            {
                return CommandReply.Say(next);
            }
        }

        if (handoff.IsRequest(content))
        {
            return await RefusedAsync(appId, openId).ConfigureAwait(false) ?? await handoff.RequestAsync(message, cancellationToken).ConfigureAwait(false);
        }

        return keywords.Match(content) is { } reply
            ? await RefusedAsync(appId, openId).ConfigureAwait(false) ?? await RuleAsync(reply, message, cancellationToken).ConfigureAwait(false)
            : null;
    }

    /// <summary>
    /// A menu CLICK (<paramref name="createTime"/> stands in for its message id): its command, a request for a person
    /// (key <c>handoff</c>), else a keyword rule matching its key; null: nothing to say.
    /// </summary>
    public async ValueTask<CommandReply?> ForClickAsync(string appId, string openId, string key, long createTime, CancellationToken cancellationToken)
    {
        var click = new HeldMessage(appId, openId, createTime, key, HeldMessage.MenuMedia);
        if (commands.ForMenuKey(key) is { } command)
        {
            return await RefusedAsync(appId, openId).ConfigureAwait(false) ?? await RunAsync(command, click, cancellationToken).ConfigureAwait(false);
        }

        if (handoff.IsMenuKey(key))
        {
            return await RefusedAsync(appId, openId).ConfigureAwait(false) ?? await handoff.RequestAsync(click, cancellationToken).ConfigureAwait(false);
        }

        return keywords.Match(key) is { } reply
            ? await RefusedAsync(appId, openId).ConfigureAwait(false) ?? await RuleAsync(reply, click, cancellationToken).ConfigureAwait(false)
            : null;
    }

    // With a person: a command's text still answers (recorded for the operator); its job (新对话: the AI's memory) is held.
    private async Task<CommandReply> RunAsync(IChatCommand command, HeldMessage message, CancellationToken cancellationToken)
    {
        var reply = await command.RunAsync(new CommandContext(message.AppId, message.OpenId), cancellationToken).ConfigureAwait(false);
        if (!await handoff.IsOpenAsync(message.AppId, message.OpenId).ConfigureAwait(false))
        {
            return reply;
        }

        if (reply.JobContent is not null)
        {
            return await handoff.HoldAsync(message, cancellationToken).ConfigureAwait(false);
        }

        await handoff.RecordAsync(message, cancellationToken).ConfigureAwait(false);
        return reply;
    }

    // With a person, the person answers: the rule's text would speak over them.
    private async Task<CommandReply> RuleAsync(string reply, HeldMessage message, CancellationToken cancellationToken) =>
        await handoff.IsOpenAsync(message.AppId, message.OpenId).ConfigureAwait(false)
            ? await handoff.HoldAsync(message, cancellationToken).ConfigureAwait(false)
            : CommandReply.Say(reply);

    private async Task<CommandReply?> RefusedAsync(string appId, string openId) =>
        await blocked.IsBlockedAsync(appId, openId).ConfigureAwait(false) ? CommandReply.Say(options.CurrentValue.BlockedUserText) : null;
}
