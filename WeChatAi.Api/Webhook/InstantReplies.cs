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
/// </summary>
public sealed class InstantReplies(CommandCatalog commands, PendingParts pending, HandoffDesk handoff, KeywordReplies keywords, BlockedUsers blocked, IOptionsMonitor<WeChatOptions> options)
{
    /// <summary>Whether <see cref="ForMessageAsync"/> might answer (or read anything): a command, "继续", a request for a person or a keyword rule.</summary>
    public bool MayAnswer(string content) =>
        commands.ForMessage(content) is not null || PendingParts.IsContinue(content) || handoff.IsRequest(content) || keywords.Match(content) is not null;

    /// <returns>The reply, or null when the message is a question for the LLM.</returns>
    public async ValueTask<CommandReply?> ForMessageAsync(string appId, string openId, long msgId, string content, CancellationToken cancellationToken)
    {
        if (commands.ForMessage(content) is { } command)
        {
            return await RefusedAsync(appId, openId).ConfigureAwait(false)
                ?? await command.RunAsync(new CommandContext(appId, openId), cancellationToken).ConfigureAwait(false);
        }

        if (PendingParts.IsContinue(content))
        {
            if (await RefusedAsync(appId, openId).ConfigureAwait(false) is { } refused)
            {
                return refused;
            }

            if (await pending.TakeNextAsync(appId, openId, msgId).ConfigureAwait(false) is { } next)
            {
                return CommandReply.Say(next);
            }
        }

        if (handoff.IsRequest(content))
        {
            return await RefusedAsync(appId, openId).ConfigureAwait(false) ?? await handoff.RequestAsync(appId, openId, cancellationToken).ConfigureAwait(false);
        }

        return keywords.Match(content) is { } reply ? await RefusedAsync(appId, openId).ConfigureAwait(false) ?? CommandReply.Say(reply) : null;
    }

    /// <summary>A menu CLICK: its command, a request for a person (key <c>handoff</c>), else a keyword rule matching its key; null: nothing to say.</summary>
    public async ValueTask<CommandReply?> ForClickAsync(string appId, string openId, string key, CancellationToken cancellationToken)
    {
        if (commands.ForMenuKey(key) is { } command)
        {
            return await RefusedAsync(appId, openId).ConfigureAwait(false)
                ?? await command.RunAsync(new CommandContext(appId, openId), cancellationToken).ConfigureAwait(false);
        }

        if (handoff.IsMenuKey(key))
        {
            return await RefusedAsync(appId, openId).ConfigureAwait(false) ?? await handoff.RequestAsync(appId, openId, cancellationToken).ConfigureAwait(false);
        }

        return keywords.Match(key) is { } reply ? await RefusedAsync(appId, openId).ConfigureAwait(false) ?? CommandReply.Say(reply) : null;
    }

    private async Task<CommandReply?> RefusedAsync(string appId, string openId) =>
        await blocked.IsBlockedAsync(appId, openId).ConfigureAwait(false) ? CommandReply.Say(options.CurrentValue.BlockedUserText) : null;
}
