using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Api.Commands;
using WeChatAi.Core.Handoff;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;
using WeChatAi.Core.Replies;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Api.Handoff;

/// <summary>
/// The webhook's side of handoff: a user's request for a person (<c>Handoff:Keywords</c> or the menu key
/// <c>handoff</c>) answered at once, without the LLM or a charge, and the messages of a user whose session is open
/// (admission found it: <see cref="Admission.AdmissionOutcome.HandedOff"/>) recorded for the operator.
/// </summary>
public sealed class HandoffDesk(
    IOptionsMonitor<HandoffOptions> options,
    IOptions<WeChatOptions> weChat,
    HandoffSessions sessions,
    MessageBudget budget,
    IConnectionMultiplexer redis,
    JobShards shards,
    TimeProvider time)
{
    // The hours as the service started (validated then); the texts as last set.
    private readonly OpeningHours _hours = options.CurrentValue.Hours();

    public bool IsRequest(string content) => options.CurrentValue.Enabled && HandoffRequest.Matches(content, options.CurrentValue.Keywords);

    public bool IsMenuKey(string key) => options.CurrentValue.Enabled && key == HandoffOptions.MenuKey;

    /// <summary>
    /// WeChat's transfer (<c>wechat-kf</c>); <c>UnavailableText</c> for an account that cannot push (passive mode, or the
    /// worker found no customer-service permission); <c>ClosedText</c> outside the opening hours (the AI answers on);
    /// else the session opens (or stays open) and the user's message opens the budget operators reply within.
    /// </summary>
    public async ValueTask<CommandReply> RequestAsync(string appId, string openId, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        if (settings.Target == HandoffOptions.WeChatKfTarget)
        {
            return CommandReply.TransferToCustomerService;
        }

        if (!await CanPushAsync(appId, openId).ConfigureAwait(false))
        {
            return CommandReply.Say(settings.UnavailableText);
        }

        var now = time.GetUtcNow();
        if (!_hours.IsOpen(now))
        {
            return CommandReply.Say(settings.ClosedText);
        }

        await sessions.OpenAsync(appId, openId, openedBy: null, now, cancellationToken).ConfigureAwait(false);
        await budget.ResetAsync(appId, openId, now).ConfigureAwait(false);
        return CommandReply.Say(settings.StartText);
    }

    /// <summary>Records a held message and opens the user's budget; returns <c>Handoff:WaitingText</c> at most once per <c>WaitingTextMinutes</c>, else null.</summary>
    public async Task<string?> HoldAsync(string appId, string openId, long msgId, string content, string? media, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await sessions.RecordUserMessageAsync(appId, openId, AiJob.CreateJobId(appId, openId, msgId), content, media, now, cancellationToken).ConfigureAwait(false);
        await budget.ResetAsync(appId, openId, now).ConfigureAwait(false);
        var settings = options.CurrentValue;
        if (string.IsNullOrEmpty(settings.WaitingText))
        {
            return null;
        }

        var first = await redis.GetDatabase().StringSetAsync(
            HandoffKeys.Waited(shards.Of(openId), appId, openId), 1, TimeSpan.FromMinutes(settings.WaitingTextMinutes), When.NotExists).ConfigureAwait(false);
        return first ? settings.WaitingText : null;
    }

    /// <summary>Whether an operator's reply can reach the user: not in passive mode, nor after the worker found no customer-service permission (48001).</summary>
    public async Task<bool> CanPushAsync(string appId, string openId) =>
        weChat.Value.ReplyMode != ReplyMode.Passive
        && !await redis.GetDatabase().KeyExistsAsync(ReplyKeys.PassiveSwitch(shards.Of(openId), appId)).ConfigureAwait(false);
}
