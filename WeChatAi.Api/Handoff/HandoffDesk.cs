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

    /// <summary>Whether the user is with a person (one HEXISTS; none when sessions are not kept here).</summary>
    public async Task<bool> IsOpenAsync(string appId, string openId) =>
        options.CurrentValue.KeepsSessions && await sessions.IsOpenAsync(appId, openId).ConfigureAwait(false);

    /// <summary>
    /// WeChat's transfer (<c>wechat-kf</c>); <c>UnavailableText</c> for an account that cannot push (passive mode, or the
    /// worker found no customer-service permission); <c>ClosedText</c> outside the opening hours (the AI answers on);
    /// else the session opens (or stays open: the request, asked again, is recorded for the operator) and the user's
    /// message opens the budget operators reply within.
    /// </summary>
    public async ValueTask<CommandReply> RequestAsync(HeldMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = options.CurrentValue;
        if (settings.Target == HandoffOptions.WeChatKfTarget)
        {
            return CommandReply.TransferToCustomerService;
        }

        if (!await CanPushAsync(request.AppId, request.OpenId).ConfigureAwait(false))
        {
            return CommandReply.Say(settings.UnavailableText);
        }

        var now = time.GetUtcNow();
        if (!_hours.IsOpen(now))
        {
            return CommandReply.Say(settings.ClosedText);
        }

        var (_, created) = await sessions.OpenAsync(request.AppId, request.OpenId, openedBy: null, now, cancellationToken).ConfigureAwait(false);
        if (created)
        {
            await budget.ResetAsync(request.AppId, request.OpenId, now).ConfigureAwait(false);
        }
        else
        {
            await RecordAsync(request, cancellationToken).ConfigureAwait(false);
        }

        return CommandReply.Say(settings.StartText);
    }

    /// <summary>Records a message for the operator and opens the user's budget (each user message does).</summary>
    public async Task RecordAsync(HeldMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var now = time.GetUtcNow();
        await sessions.RecordUserMessageAsync(
            message.AppId, message.OpenId, AiJob.CreateJobId(message.AppId, message.OpenId, message.MsgId), message.Text, message.Media, now, cancellationToken).ConfigureAwait(false);
        await budget.ResetAsync(message.AppId, message.OpenId, now).ConfigureAwait(false);
    }

    /// <summary>Records a held message (<see cref="RecordAsync"/>); answers <c>Handoff:WaitingText</c> at most once per <c>WaitingTextMinutes</c>, else nothing.</summary>
    public async Task<CommandReply> HoldAsync(HeldMessage message, CancellationToken cancellationToken)
    {
        await RecordAsync(message, cancellationToken).ConfigureAwait(false);
        var settings = options.CurrentValue;
        if (string.IsNullOrEmpty(settings.WaitingText))
        {
            return CommandReply.Nothing;
        }

        var first = await redis.GetDatabase().StringSetAsync(
            HandoffKeys.Waited(shards.Of(message.OpenId), message.AppId, message.OpenId), 1, TimeSpan.FromMinutes(settings.WaitingTextMinutes), When.NotExists).ConfigureAwait(false);
        return first ? CommandReply.Say(settings.WaitingText) : CommandReply.Nothing;
    }

    /// <summary>Whether an operator's reply can reach the user: not in passive mode, nor after the worker found no customer-service permission (48001).</summary>
    public async Task<bool> CanPushAsync(string appId, string openId) =>
        weChat.Value.ReplyMode != ReplyMode.Passive
        && !await redis.GetDatabase().KeyExistsAsync(ReplyKeys.PassiveSwitch(shards.Of(openId), appId)).ConfigureAwait(false);
}

/// <summary>A user's message, or menu click, while they are with a person: what the operator sees of it.</summary>
/// <param name="MsgId">WeChat's message id (a click's CreateTime): one record per message, whatever WeChat retries.</param>
/// <param name="Text">What the user wrote (a click's key).</param>
/// <param name="Media"><c>image</c>, <c>voice</c>, <see cref="MenuMedia"/>, or null for text.</param>
public sealed record HeldMessage(string AppId, string OpenId, long MsgId, string Text, string? Media)
{
    /// <summary>A menu CLICK: <see cref="Text"/> is its key.</summary>
    public const string MenuMedia = "menu";
}
