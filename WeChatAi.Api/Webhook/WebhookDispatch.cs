using Microsoft.Extensions.Options;
using WeChatAi.Api.Admission;
using WeChatAi.Api.Handoff;
using WeChatAi.Api.Passive;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Replies;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Api.Webhook;

/// <summary>
/// What the webhook answers an authenticated push, by message type: an instant reply (commands, "继续", handoff,
/// keyword rules), a message held for a person, a question admitted for the worker (with the acknowledgement, or in passive mode the answer itself), a
/// follow's welcome, or nothing. A plaintext push's signed-query check runs first, or inside admission's script.
/// </summary>
internal sealed class WebhookDispatch(
    IOptionsMonitor<WeChatOptions> options,
    IOptions<MediaSupportOptions> media,
    MessageAdmission admission,
    SignedQueryReplay replay,
    PassiveReplyWaiter passive,
    WeChatUserStore users,
    InstantReplies instant,
    HandoffDesk handoff,
    ReplyTexts texts,
    ILogger<WeChatWebhook> logger)
{
    // The account's keys and modes as the service started; the texts as the operator last set them (live settings).
    private readonly WeChatOptions _options = options.CurrentValue;
    private readonly MediaSupportOptions _media = media.Value;

    private string AppId => _options.AppId!;

    public async Task<WebhookAnswer> AnswerAsync(AuthenticatedPush push, CancellationToken cancellationToken)
    {
        // Plaintext: a plain question has admission check its signed query in the batched script; any other push is
        // checked here first, before an instant reply or event could read or change anything.
        var signedQuery = push.SignedQuery;
        bool checkInAdmission = signedQuery is not null && GoesStraightToAdmission(push.Inbound);
        return signedQuery is { } check && !checkInAdmission && !await PlaintextAdmittedAsync(check).ConfigureAwait(false)
            ? WebhookAnswer.Reused
            : await ReplyTextAsync(push.Inbound, checkInAdmission ? signedQuery : null, cancellationToken).ConfigureAwait(false);
    }

    // Bounded like admission: Redis away for longer gives WeChat a 503 (see WeChatWebhook.ReceiveAsync).
    private Task<bool> PlaintextAdmittedAsync(SignedQueryCheck check) =>
        replay.AdmitsAsync(check).WaitAsync(MessageAdmission.RedisWait, CancellationToken.None);

    // The pushes ReplyTextAsync hands to admission with nothing answered or read before: no command, "继续" or keyword rule.
    private bool GoesStraightToAdmission(WeChatInbound inbound) => inbound switch
    {
        TextMessage { Content: var content } when !string.IsNullOrWhiteSpace(content) => !instant.MayAnswer(content),
        VoiceMessage { Recognition: { } recognition } when !string.IsNullOrWhiteSpace(recognition) => !instant.MayAnswer(recognition),
        VoiceMessage => _media.TranscribesVoice,
        ImageMessage => _media.AnswersImages,
        _ => false,
    };

    /// <param name="signedQuery">For a push that goes straight to admission: its signed-query check, run there.</param>
    private async Task<WebhookAnswer> ReplyTextAsync(WeChatInbound inbound, SignedQueryCheck? signedQuery, CancellationToken cancellationToken) => inbound switch
    {
        TextMessage { Content: var content } text when !string.IsNullOrWhiteSpace(content) => await AnswerAsync(text, content, signedQuery, cancellationToken).ConfigureAwait(false),
        VoiceMessage { Recognition: { } recognition } voice when !string.IsNullOrWhiteSpace(recognition) => await AnswerAsync(voice, recognition, signedQuery, cancellationToken).ConfigureAwait(false),
        VoiceMessage when !_media.TranscribesVoice => (ReplyTexts.NoTranscriptionText, false),
        VoiceMessage voice => await AcceptAsync(voice, JobMedia.VoicePlaceholder, new JobMedia(JobMedia.Voice, voice.MediaId, Format: voice.Format), signedQuery, cancellationToken).ConfigureAwait(false),
        ImageMessage when !_media.AnswersImages => (ReplyTexts.NoVisionText, false),
        ImageMessage image => await AcceptAsync(image, JobMedia.ImagePlaceholder, new JobMedia(JobMedia.Image, image.MediaId, image.PicUrl), signedQuery, cancellationToken).ConfigureAwait(false),
        WeChatMessage => (ReplyTexts.UnsupportedText, false),
        SubscribeEvent subscribe => (await SubscribeAsync(subscribe).ConfigureAwait(false), false),
        UnsubscribeEvent unsubscribe => (await UnsubscribeAsync(unsubscribe).ConfigureAwait(false), false),
        ClickEvent click => await ClickAsync(click, cancellationToken).ConfigureAwait(false),

        // SCAN, LOCATION, VIEW and events we do not know yet need no answer.
        _ => (null, false),
    };

    // Commands, "继续" and keyword rules answer at once (docs/menus.md); anything else is a question for the worker.
    // With a signed-query check, GoesStraightToAdmission already found that none of them applies.
    private async Task<WebhookAnswer> AnswerAsync(WeChatMessage message, string content, SignedQueryCheck? signedQuery, CancellationToken cancellationToken)
    {
        var reply = signedQuery is null
            ? await instant.ForMessageAsync(AppId, message.FromUserName, message.MsgId, content, cancellationToken).ConfigureAwait(false)
            : null;
        return reply is { JobContent: null }
            ? WebhookAnswer.Of(reply)
            : await AcceptAsync(message.DedupKey, message.FromUserName, message.MsgId, reply?.JobContent ?? content, media: null, acknowledge: reply is null, signedQuery, cancellationToken).ConfigureAwait(false);
    }

    // A CLICK has no MsgId: its CreateTime stands in for the job's (WeChat de-duplicates CLICKs by sender and time too).
    private async Task<WebhookAnswer> ClickAsync(ClickEvent click, CancellationToken cancellationToken)
    {
        var reply = await instant.ForClickAsync(AppId, click.FromUserName, click.EventKey, click.CreateTime, cancellationToken).ConfigureAwait(false);
        return reply is { JobContent: { } job }
            ? await AcceptAsync(click.DedupKey, click.FromUserName, click.CreateTime, job, media: null, acknowledge: false, signedQuery: null, cancellationToken).ConfigureAwait(false)
            : WebhookAnswer.Of(reply);
    }

    private Task<WebhookAnswer> AcceptAsync(WeChatMessage message, string content, JobMedia media, SignedQueryCheck? signedQuery, CancellationToken cancellationToken) =>
        AcceptAsync(message.DedupKey, message.FromUserName, message.MsgId, content, media, acknowledge: true, signedQuery, cancellationToken);

    /// <param name="acknowledge">Push mode: reply <c>WeChat:AckText</c>; false for a command whose job sends its own confirmation.</param>
    private async Task<WebhookAnswer> AcceptAsync(
        string dedupKey, string openId, long msgId, string content, JobMedia? media, bool acknowledge, SignedQueryCheck? signedQuery, CancellationToken cancellationToken)
    {
        // Bounded: Redis away for longer gives WeChat a 503 before its own 5 s timeout (see WeChatWebhook.ReceiveAsync).
        var result = await admission.AdmitAsync(AppId, dedupKey, openId, msgId, content, media, signedQuery)
            .WaitAsync(MessageAdmission.RedisWait, CancellationToken.None).ConfigureAwait(false);
        WebhookLog.MessageHandled(logger, msgId, result.Outcome, result.IsDuplicate);
        if (result.Outcome == AdmissionOutcome.Replayed)
        {
            return WebhookAnswer.Reused;
        }

        if (result.Outcome == AdmissionOutcome.HandedOff)
        {
            // Held for the operator: recorded (again on WeChat's retry: once per message), answered with nothing or the waiting text.
            return WebhookAnswer.Of(await handoff.HoldAsync(new HeldMessage(AppId, openId, msgId, content, media?.Kind), cancellationToken).ConfigureAwait(false));
        }

        if (texts.ForRefused(result.Outcome) is { } refused)
        {
            return (refused, false);
        }

        if (_options.ReplyMode == ReplyMode.Passive || result.PassiveSwitch)
        {
            var jobId = AiJob.CreateJobId(AppId, openId, msgId);
            var reply = await passive.WaitAsync(AppId, openId, jobId, cancellationToken).ConfigureAwait(false);
            return reply.Outcome switch
            {
                PassiveOutcome.Ready => (reply.Text, false),
                PassiveOutcome.AwaitRetry => (null, true),
                _ => (texts.PassiveLate, false),
            };
        }

        // With the typing indicator alone, "success" shows nothing and the worker's "对方正在输入" follows.
        return (!acknowledge || _options.AckMode == AckMode.Typing ? null : texts.Acknowledgement, false);
    }

    private async Task<string?> SubscribeAsync(SubscribeEvent subscribe)
    {
        await RecordAsync(subscribe, users.MarkSubscribedAsync(AppId, subscribe.FromUserName)).ConfigureAwait(false);
        return texts.Welcome();
    }

    private async Task<string?> UnsubscribeAsync(UnsubscribeEvent unsubscribe)
    {
        await RecordAsync(unsubscribe, users.MarkUnsubscribedAsync(AppId, unsubscribe.FromUserName)).ConfigureAwait(false);
        return null;
    }

    // Events must never fail the push: the user gets the usual reply and the failure is logged.
    private async Task RecordAsync(WeChatEvent @event, Task update)
    {
        try
        {
            await update.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Any database failure is handled the same way: log it and still reply.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            WebhookLog.UserUpdateFailed(logger, ex, @event.Event);
        }
    }
}
