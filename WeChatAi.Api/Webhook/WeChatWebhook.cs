using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Api.Admission;
using WeChatAi.Api.Billing;
using WeChatAi.Api.Passive;
using WeChatAi.Core.Compliance;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Replies;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Api.Webhook;

/// <summary>
/// The <c>/wechat</c> endpoint: URL verification (GET) and message pushes (POST) in plaintext, compatible and
/// safe mode. Every request is authenticated before its body is read; every reply is a passive reply that
/// WeChat shows the user at once (or <c>success</c>, which shows nothing).
/// </summary>
public sealed class WeChatWebhook : IDisposable
{
    public const string RateLimitedText = "您发送得太快了，请稍后再试。";
    public const string UnsupportedText = "目前只支持文字、语音和图片消息，请发送文字、语音或图片。";
    public const string NoVisionText = "暂时还看不懂图片，请用文字描述您的问题。";
    public const string NoTranscriptionText = "暂时还听不懂这条语音，请发送文字。";

    private const string SafeMode = "aes";

    private static readonly TextReply SuccessReply = new(WeChatReply.Success, TextReply.Plain);
    private static readonly TextReply RedisUnavailableReply = new("Redis is unavailable; try again.", TextReply.Plain, StatusCodes.Status503ServiceUnavailable);
    private static readonly TextReply PlaintextRefusedReply = new(
        "WeChat:EncodingAESKey is configured, so only safe-mode pushes (encrypt_type=aes with msg_signature) are accepted.", TextReply.Plain, StatusCodes.Status401Unauthorized);
    private static readonly TextReply SignedQueryReusedReply = new(
        "This signature/timestamp/nonce already came with a different body; a signed query string admits one message.", TextReply.Plain, StatusCodes.Status401Unauthorized);

    private static readonly string[] VerifyParameters = ["signature", "timestamp", "nonce", "echostr"];
    private static readonly string[] PushParameters = ["signature", "timestamp", "nonce"];
    private static readonly string[] SafePushParameters = ["signature", "timestamp", "nonce", "msg_signature"];

    private readonly WeChatOptions _options;
    private readonly IOptionsMonitor<WeChatOptions> _texts;
    private readonly IOptionsMonitor<ComplianceOptions> _compliance;
    private readonly MediaSupportOptions _media;
    private readonly WeChatMessageCrypto? _crypto;
    private readonly MessageAdmission _admission;
    private readonly SignedQueryReplay _replay;
    private readonly PassiveReplyWaiter _passive;
    private readonly WeChatUserStore _users;
    private readonly InstantReplies _instant;
    private readonly QuotaReplies _quota;
    private readonly TimeProvider _time;
    private readonly ILogger<WeChatWebhook> _logger;

    public WeChatWebhook(
        IOptionsMonitor<WeChatOptions> options,
        IOptionsMonitor<ComplianceOptions> compliance,
        IOptions<MediaSupportOptions> media,
        MessageAdmission admission,
        SignedQueryReplay replay,
        PassiveReplyWaiter passive,
        WeChatUserStore users,
        InstantReplies instant,
        QuotaReplies quota,
        TimeProvider time,
        ILogger<WeChatWebhook> logger)
    {
        // The account's keys and modes as the service started; the texts as the operator last set them (live settings).
        _options = options.CurrentValue;
        _texts = options;
        _compliance = compliance;
        _media = media.Value;
        _admission = admission;
        _replay = replay;
        _passive = passive;
        _users = users;
        _instant = instant;
        _quota = quota;
        _time = time;
        _logger = logger;

        // One instance for the process: AES key schedules are not rebuilt per request.
        _crypto = _options.IsWebhookConfigured && !string.IsNullOrEmpty(_options.EncodingAESKey)
            ? new WeChatMessageCrypto(_options.AppId!, _options.EncodingAESKey, _options.PreviousEncodingAESKey)
            : null;
    }

    private string Token => _options.Token!;

    private string AppId => _options.AppId!;

    /// <summary>GET: WeChat checks that we know the token before it enables the server URL.</summary>
    public IResult Verify(HttpContext context)
    {
        var query = context.Request.Query;
        if (Authenticate(query, VerifyParameters) is { } rejection)
        {
            return rejection;
        }

        return new TextReply(query["echostr"].ToString(), TextReply.Plain);
    }

    /// <summary>POST: a user message or event.</summary>
    public async Task<IResult> ReceiveAsync(HttpContext context)
    {
        var query = context.Request.Query;
        string? encryptType = query["encrypt_type"];
        bool safe = string.Equals(encryptType, SafeMode, StringComparison.OrdinalIgnoreCase);
        if (!safe && !string.IsNullOrEmpty(encryptType) && !string.Equals(encryptType, "raw", StringComparison.OrdinalIgnoreCase))
        {
            return Reject(StatusCodes.Status400BadRequest, "encrypt_type must be 'aes' or 'raw'.");
        }

        if (Authenticate(query, safe ? SafePushParameters : PushParameters) is { } rejection)
        {
            return rejection;
        }

        // The query's signature does not cover the body: with a key configured, only msg_signature vouches for a message.
        if (!safe && _crypto is not null && !_options.AcceptPlaintext)
        {
            WebhookLog.PlaintextRefused(_logger);
            return PlaintextRefusedReply;
        }

        WeChatInbound inbound;
        byte[]? plaintextHash = null;
        try
        {
            WeChatXmlDocument document;

            // The pooled body buffer goes back as soon as it is parsed, before any awaiting on Redis or PostgreSQL.
            using (var body = await WeChatRequestBody.ReadAsync(context.Request, context.RequestAborted).ConfigureAwait(false))
            {
                if (body is null)
                {
                    return Reject(StatusCodes.Status413PayloadTooLarge, $"The body is larger than {WeChatRequestBody.MaxBytes / 1024} KB.");
                }

                using var stream = body.OpenRead();
                document = WeChatXml.Parse(stream);
                plaintextHash = safe ? null : body.Sha256();
            }

            if (safe)
            {
                if (_crypto is null)
                {
                    return Reject(StatusCodes.Status400BadRequest, "WeChat:EncodingAESKey is not configured, so safe-mode (encrypt_type=aes) messages cannot be decrypted.");
                }

                // Compatible mode sends plaintext fields too; only the signed, encrypted part is trusted.
                string encrypt = document.GetEncrypt();
                if (!WeChatSignature.IsValid(query["msg_signature"], Token, query["timestamp"]!, query["nonce"]!, encrypt))
                {
                    return Reject(StatusCodes.Status401Unauthorized, "msg_signature does not match.");
                }

                document = WeChatXml.Parse(_crypto.Decrypt(encrypt));
            }

            inbound = WeChatInbound.From(document);
        }
        catch (WeChatProtocolException ex)
        {
            return Reject(StatusCodes.Status400BadRequest, ex.Message);
        }

        Answer answer;
        try
        {
            // Plaintext: a plain question has admission check its signed query in the batched script; any other push is
            // checked here first, before an instant reply or event could read or change anything.
            var signedQuery = plaintextHash is null ? (SignedQueryCheck?)null : SignedQuery(query, plaintextHash);
            bool checkInAdmission = signedQuery is not null && GoesStraightToAdmission(inbound);
            answer = signedQuery is { } check && !checkInAdmission && !await PlaintextAdmittedAsync(check).ConfigureAwait(false)
                ? Answer.Reused
                : await ReplyTextAsync(inbound, checkInAdmission ? signedQuery : null, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Redis away longer than MessageAdmission.RedisWait (or the API stopping): a quick, explicit failure
            // instead of a 500 or WeChat's timeout. The message may still be enqueued; WeChat's retry is then de-duplicated.
            WebhookLog.RedisUnavailable(_logger, ex.GetType().Name);
            return RedisUnavailableReply;
        }

        if (answer.SignedQueryReused)
        {
            WebhookLog.SignedQueryReused(_logger);
            return SignedQueryReusedReply;
        }

        if (answer.LetWeChatRetry)
        {
            // Passive mode, answer not ready yet: no response makes WeChat send the same message again.
            context.Abort();
            return TypedResults.Empty;
        }

        if (answer.Text is null)
        {
            return SuccessReply;
        }

        string reply = WeChatReply.Text(inbound.FromUserName, inbound.ToUserName, _time.GetUtcNow().ToUnixTimeSeconds(), answer.Text);
        if (safe)
        {
            // Echoing the request's timestamp and nonce is what WeChat's own samples do; both are already validated.
            reply = _crypto!.BuildEncryptedReply(reply, Token, query["timestamp"]!, query["nonce"]!);
        }

        return new TextReply(reply, TextReply.Xml);
    }

    public void Dispose() => _crypto?.Dispose();

    private SignedQueryCheck SignedQuery(IQueryCollection query, byte[] bodyHash) =>
        _replay.For(query["signature"]!, long.Parse(query["timestamp"]!, NumberStyles.None, CultureInfo.InvariantCulture), bodyHash);

    // Bounded like admission: Redis away for longer gives WeChat a 503 (see ReceiveAsync).
    private Task<bool> PlaintextAdmittedAsync(SignedQueryCheck check) =>
        _replay.AdmitsAsync(check).WaitAsync(MessageAdmission.RedisWait, CancellationToken.None);

    // The pushes ReplyTextAsync hands to admission with nothing answered or read before: no command, "继续" or keyword rule.
    private bool GoesStraightToAdmission(WeChatInbound inbound) => inbound switch
    {
        TextMessage { Content: var content } when !string.IsNullOrWhiteSpace(content) => !_instant.MayAnswer(content),
        VoiceMessage { Recognition: { } recognition } when !string.IsNullOrWhiteSpace(recognition) => !_instant.MayAnswer(recognition),
        VoiceMessage => _media.TranscribesVoice,
        ImageMessage => _media.AnswersImages,
        _ => false,
    };

    /// <param name="signedQuery">For a push that goes straight to admission: its signed-query check, run there.</param>
    private async Task<Answer> ReplyTextAsync(WeChatInbound inbound, SignedQueryCheck? signedQuery, CancellationToken cancellationToken) => inbound switch
    {
        TextMessage { Content: var content } text when !string.IsNullOrWhiteSpace(content) => await AnswerAsync(text, content, signedQuery, cancellationToken).ConfigureAwait(false),
        VoiceMessage { Recognition: { } recognition } voice when !string.IsNullOrWhiteSpace(recognition) => await AnswerAsync(voice, recognition, signedQuery, cancellationToken).ConfigureAwait(false),
        VoiceMessage when !_media.TranscribesVoice => (NoTranscriptionText, false),
        VoiceMessage voice => await AcceptAsync(voice, JobMedia.VoicePlaceholder, new JobMedia(JobMedia.Voice, voice.MediaId, Format: voice.Format), signedQuery, cancellationToken).ConfigureAwait(false),
        ImageMessage when !_media.AnswersImages => (NoVisionText, false),
        ImageMessage image => await AcceptAsync(image, JobMedia.ImagePlaceholder, new JobMedia(JobMedia.Image, image.MediaId, image.PicUrl), signedQuery, cancellationToken).ConfigureAwait(false),
        WeChatMessage => (UnsupportedText, false),
        SubscribeEvent subscribe => (await SubscribeAsync(subscribe).ConfigureAwait(false), false),
        UnsubscribeEvent unsubscribe => (await UnsubscribeAsync(unsubscribe).ConfigureAwait(false), false),
        ClickEvent click => await ClickAsync(click, cancellationToken).ConfigureAwait(false),

        // SCAN, LOCATION, VIEW and events we do not know yet need no answer.
        _ => (null, false),
    };

    // Commands, "继续" and keyword rules answer at once (docs/menus.md); anything else is a question for the worker.
    // With a signed-query check, GoesStraightToAdmission already found that none of them applies.
    private async Task<Answer> AnswerAsync(WeChatMessage message, string content, SignedQueryCheck? signedQuery, CancellationToken cancellationToken)
    {
        var instant = signedQuery is null
            ? await _instant.ForMessageAsync(AppId, message.FromUserName, message.MsgId, content, cancellationToken).ConfigureAwait(false)
            : null;
        return instant is { JobContent: null }
            ? (instant.Text, false)
            : await AcceptAsync(message.DedupKey, message.FromUserName, message.MsgId, instant?.JobContent ?? content, media: null, acknowledge: instant is null, signedQuery, cancellationToken).ConfigureAwait(false);
    }

    // A CLICK has no MsgId: its CreateTime stands in for the job's (WeChat de-duplicates CLICKs by sender and time too).
    private async Task<Answer> ClickAsync(ClickEvent click, CancellationToken cancellationToken)
    {
        var instant = await _instant.ForClickAsync(AppId, click.FromUserName, click.EventKey, cancellationToken).ConfigureAwait(false);
        return instant is { JobContent: { } job }
            ? await AcceptAsync(click.DedupKey, click.FromUserName, click.CreateTime, job, media: null, acknowledge: false, signedQuery: null, cancellationToken).ConfigureAwait(false)
            : (instant?.Text, false);
    }

    private Task<Answer> AcceptAsync(WeChatMessage message, string content, JobMedia media, SignedQueryCheck? signedQuery, CancellationToken cancellationToken) =>
        AcceptAsync(message.DedupKey, message.FromUserName, message.MsgId, content, media, acknowledge: true, signedQuery, cancellationToken);

    /// <param name="acknowledge">Push mode: reply <c>WeChat:AckText</c>; false for a command whose job sends its own confirmation.</param>
    private async Task<Answer> AcceptAsync(
        string dedupKey, string openId, long msgId, string content, JobMedia? media, bool acknowledge, SignedQueryCheck? signedQuery, CancellationToken cancellationToken)
    {
        // Bounded: Redis away for longer gives WeChat a 503 before its own 5 s timeout (see ReceiveAsync).
        var result = await _admission.AdmitAsync(AppId, dedupKey, openId, msgId, content, media, signedQuery)
            .WaitAsync(MessageAdmission.RedisWait, CancellationToken.None).ConfigureAwait(false);
        WebhookLog.MessageHandled(_logger, msgId, result.Outcome, result.IsDuplicate);
        if (result.Outcome == AdmissionOutcome.Replayed)
        {
            return Answer.Reused;
        }

        if (result.Outcome == AdmissionOutcome.RateLimited)
        {
            return (RateLimitedText, false);
        }

        if (result.Outcome == AdmissionOutcome.Blocked)
        {
            return (_texts.CurrentValue.BlockedUserText, false);
        }

        if (result.Outcome is AdmissionOutcome.OverQuota or AdmissionOutcome.QuotaUnavailable)
        {
            return (result.Outcome == AdmissionOutcome.OverQuota ? _quota.OverQuotaText : QuotaReplies.UnavailableText, false);
        }

        if (_options.ReplyMode == ReplyMode.Passive || result.PassiveSwitch)
        {
            var jobId = AiJob.CreateJobId(AppId, openId, msgId);
            var passive = await _passive.WaitAsync(AppId, openId, jobId, cancellationToken).ConfigureAwait(false);
            return passive.Outcome switch
            {
                PassiveOutcome.Ready => (passive.Text, false),
                PassiveOutcome.AwaitRetry => (null, true),
                _ => (_texts.CurrentValue.PassiveLateText, false),
            };
        }

        // With the typing indicator alone, "success" shows nothing and the worker's "对方正在输入" follows.
        return (!acknowledge || _options.AckMode == AckMode.Typing ? null : _texts.CurrentValue.AckText, false);
    }

    private async Task<string?> SubscribeAsync(SubscribeEvent subscribe)
    {
        await RecordAsync(subscribe, _users.MarkSubscribedAsync(AppId, subscribe.FromUserName)).ConfigureAwait(false);
        return Welcome(_texts.CurrentValue.WelcomeText, _compliance.CurrentValue.Disclosure());
    }

    // The filed model's name and number are shown where the user first meets the service (生成式人工智能服务管理暂行办法).
    private static string? Welcome(string welcomeText, string disclosure) =>
        (welcomeText, disclosure) switch
        {
            ("", "") => null,
            (_, "") => welcomeText,
            ("", _) => disclosure,
            _ => $"{welcomeText}\n{disclosure}",
        };

    private async Task<string?> UnsubscribeAsync(UnsubscribeEvent unsubscribe)
    {
        await RecordAsync(unsubscribe, _users.MarkUnsubscribedAsync(AppId, unsubscribe.FromUserName)).ConfigureAwait(false);
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
            WebhookLog.UserUpdateFailed(_logger, ex, @event.Event);
        }
    }

    /// <summary>Checks configuration, presence of the query parameters, timestamp freshness and <c>signature</c>.</summary>
    /// <returns>The response to send instead, or null when the request is authentic.</returns>
    private TextReply? Authenticate(IQueryCollection query, string[] required)
    {
        if (!_options.IsWebhookConfigured)
        {
            return new TextReply("WeChat:Token is not configured, so the WeChat webhook is off.", TextReply.Plain, StatusCodes.Status503ServiceUnavailable);
        }

        foreach (string name in required)
        {
            if (string.IsNullOrEmpty(query[name]))
            {
                // Only the rare bad request pays for listing every missing name.
                var missing = required.Where(n => string.IsNullOrEmpty(query[n]));
                return Reject(StatusCodes.Status400BadRequest, $"Missing query parameter(s): {string.Join(", ", missing)}.");
            }
        }

        string timestamp = query["timestamp"]!;
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds))
        {
            return Reject(StatusCodes.Status400BadRequest, "timestamp must be Unix seconds.");
        }

        if (_options.TimestampToleranceSeconds > 0
            && Math.Abs(_time.GetUtcNow().ToUnixTimeSeconds() - seconds) > _options.TimestampToleranceSeconds)
        {
            return Reject(StatusCodes.Status401Unauthorized, "stale timestamp");
        }

        if (!WeChatSignature.IsValid(query["signature"], Token, timestamp, query["nonce"]!))
        {
            return Reject(StatusCodes.Status401Unauthorized, "signature does not match.");
        }

        return null;
    }

    private TextReply Reject(int statusCode, string reason)
    {
        WebhookLog.Rejected(_logger, statusCode, reason);
        return new TextReply(reason, TextReply.Plain, statusCode);
    }

    /// <summary>The passive reply's text (null: answer <c>success</c>), that WeChat should try again, or a 401 for a reused signed query.</summary>
    private readonly record struct Answer(string? Text, bool LetWeChatRetry, bool SignedQueryReused = false)
    {
        public static readonly Answer Reused = new(null, LetWeChatRetry: false, SignedQueryReused: true);

        public static implicit operator Answer((string? Text, bool LetWeChatRetry) answer) => new(answer.Text, answer.LetWeChatRetry);
    }
}
