using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using WeChatAi.Core.WeChat;
using WeChatAi.Simulator.Chat;
using WeChatAi.Simulator.WeChatApi;

namespace WeChatAi.Simulator.WeChatServer;

/// <summary>
/// Plays WeChat's servers toward the API: signed XML in plaintext or safe mode, a 5-second timeout, and up to three
/// attempts with the same MsgId, exactly the delivery rules the webhook must survive.
/// </summary>
public sealed partial class WebhookSender(
    HttpClient http,
    IOptions<SimulatorOptions> options,
    WeChatCryptoHolder crypto,
    CustomerServiceBudget budget,
    Timeline timeline,
    OperatorRemarks remarks,
    TimeProvider time,
    ILogger<WebhookSender> logger)
{
    public const int MaxAttempts = 3;
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);

    private static long _lastMsgId = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;

    /// <summary>A new MsgId: unique and increasing, as WeChat's 64-bit ids are.</summary>
    public static long NextMsgId() => Interlocked.Increment(ref _lastMsgId);

    public Task<WebhookDelivery> SendTextAsync(string openId, string text, bool safeMode, bool showInTimeline, CancellationToken cancellationToken)
    {
        var msgId = NextMsgId();
        var xml = $"<xml><ToUserName><![CDATA[{options.Value.AccountId}]]></ToUserName><FromUserName><![CDATA[{openId}]]></FromUserName>" +
                  $"<CreateTime>{Now()}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text.Replace("]]>", "]]]]><![CDATA[>", StringComparison.Ordinal)}]]></Content>" +
                  $"<MsgId>{msgId}</MsgId></xml>";
        return DeliverAsync(openId, xml, safeMode, showInTimeline, cancellationToken);
    }

    public Task<WebhookDelivery> SendImageAsync(string openId, Uri picUrl, string mediaId, bool safeMode, CancellationToken cancellationToken)
    {
        var xml = $"<xml><ToUserName><![CDATA[{options.Value.AccountId}]]></ToUserName><FromUserName><![CDATA[{openId}]]></FromUserName>" +
                  $"<CreateTime>{Now()}</CreateTime><MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[{picUrl}]]></PicUrl>" +
                  $"<MediaId><![CDATA[{mediaId}]]></MediaId><MsgId>{NextMsgId()}</MsgId></xml>";
        return DeliverAsync(openId, xml, safeMode, showInTimeline: true, cancellationToken);
    }

    /// <param name="recognition">WeChat's own speech to text, or null for an account without it.</param>
    public Task<WebhookDelivery> SendVoiceAsync(string openId, string mediaId, string? recognition, bool safeMode, CancellationToken cancellationToken)
    {
        var recognitionElement = recognition is null ? string.Empty : $"<Recognition><![CDATA[{recognition.Replace("]]>", "]]]]><![CDATA[>", StringComparison.Ordinal)}]]></Recognition>";
        var xml = $"<xml><ToUserName><![CDATA[{options.Value.AccountId}]]></ToUserName><FromUserName><![CDATA[{openId}]]></FromUserName>" +
                  $"<CreateTime>{Now()}</CreateTime><MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[{mediaId}]]></MediaId>" +
                  $"<Format><![CDATA[amr]]></Format>{recognitionElement}<MsgId>{NextMsgId()}</MsgId></xml>";
        return DeliverAsync(openId, xml, safeMode, showInTimeline: true, cancellationToken);
    }

    /// <param name="eventKey">A menu button's key (CLICK) or URL (VIEW).</param>
    public Task<WebhookDelivery> SendEventAsync(string openId, string eventName, bool safeMode, CancellationToken cancellationToken, string? eventKey = null)
    {
        var key = eventKey is null ? string.Empty : $"<EventKey><![CDATA[{eventKey.Replace("]]>", "]]]]><![CDATA[>", StringComparison.Ordinal)}]]></EventKey>";
        var xml = $"<xml><ToUserName><![CDATA[{options.Value.AccountId}]]></ToUserName><FromUserName><![CDATA[{openId}]]></FromUserName>" +
                  $"<CreateTime>{Now()}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{eventName}]]></Event>{key}</xml>";
        return DeliverAsync(openId, xml, safeMode, showInTimeline: true, cancellationToken);
    }

    private async Task<WebhookDelivery> DeliverAsync(string openId, string xml, bool safeMode, bool showInTimeline, CancellationToken cancellationToken)
    {
        // Every message or event from a user opens WeChat's 48-hour customer-service window again.
        budget.UserWrote(openId);
        remarks.Noted(openId);
        var total = Stopwatch.StartNew();
        var useSafeMode = safeMode && crypto.Crypto is not null;
        string? lastError = null;
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var sw = Stopwatch.StartNew();
            using var request = BuildRequest(openId, xml, useSafeMode);
            using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attemptTimeout.CancelAfter(AttemptTimeout);
            try
            {
                using var response = await http.SendAsync(request, attemptTimeout.Token);
                var body = await response.Content.ReadAsStringAsync(attemptTimeout.Token);
                var ms = (int)sw.ElapsedMilliseconds;
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var reply = ReadReply(body, useSafeMode);
                    if (showInTimeline)
                    {
                        // "success" shows the user nothing, so the page shows it as a note, not as a bubble.
                        timeline.Add(openId, reply is null ? TimelineKinds.Delivered : TimelineKinds.Reply, reply ?? "webhook: success（无被动回复）", attempt, ms, useSafeMode ? "safe mode" : "plaintext");
                    }

                    return new WebhookDelivery(true, reply, attempt, (int)total.ElapsedMilliseconds, null);
                }

                lastError = $"HTTP {(int)response.StatusCode}: {Truncate(body)}";
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lastError = $"no answer within {AttemptTimeout.TotalSeconds:F0} s";
            }
            catch (HttpRequestException ex)
            {
                lastError = ex.Message;
            }
            catch (WeChatProtocolException ex)
            {
                lastError = $"invalid reply: {ex.Message}";
            }

            if (showInTimeline)
            {
                timeline.Add(openId, attempt < MaxAttempts ? TimelineKinds.Retry : TimelineKinds.Error, lastError, attempt, (int)sw.ElapsedMilliseconds);
            }
        }

        LogDeliveryFailed(logger, MaxAttempts, lastError);
        return new WebhookDelivery(false, null, MaxAttempts, (int)total.ElapsedMilliseconds, lastError);
    }

    private HttpRequestMessage BuildRequest(string openId, string xml, bool safeMode)
    {
        var settings = options.Value;
        var timestamp = Now().ToString(CultureInfo.InvariantCulture);
        var nonce = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        var query = new StringBuilder()
            .Append("?signature=").Append(WeChatSignature.Compute(settings.Token, timestamp, nonce))
            .Append("&timestamp=").Append(timestamp)
            .Append("&nonce=").Append(nonce)
            .Append("&openid=").Append(Uri.EscapeDataString(openId));
        var body = xml;
        if (safeMode)
        {
            var encrypt = crypto.Crypto!.Encrypt(xml);
            query.Append("&encrypt_type=aes&msg_signature=").Append(WeChatSignature.Compute(settings.Token, timestamp, nonce, encrypt));
            body = $"<xml><ToUserName><![CDATA[{settings.AccountId}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>";
        }

        return new HttpRequestMessage(HttpMethod.Post, new Uri(settings.WebhookUrl + query.ToString()))
        {
            Content = new StringContent(body, Encoding.UTF8, "text/xml"),
        };
    }

    private string? ReadReply(string body, bool safeMode)
    {
        if (string.IsNullOrWhiteSpace(body) || body == WeChatReply.Success)
        {
            return null;
        }

        var document = WeChatXml.Parse(body);
        if (safeMode)
        {
            var encrypt = document.GetEncrypt();
            var signature = document.GetRequired("MsgSignature");
            if (!WeChatSignature.IsValid(signature, options.Value.Token, document.GetRequired("TimeStamp"), document.GetRequired("Nonce"), encrypt))
            {
                throw new WeChatProtocolException("the reply's MsgSignature does not match");
            }

            document = WeChatXml.Parse(crypto.Crypto!.Decrypt(encrypt));
        }

        return document.Get("Content") ?? $"({document.Get("MsgType")} reply)";
    }

    private long Now() => time.GetUtcNow().ToUnixTimeSeconds();

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery failed after {Attempts} attempts: {Error}")]
    private static partial void LogDeliveryFailed(ILogger logger, int attempts, string? error);
}

/// <summary>The simulated account's message crypto, or null when no EncodingAESKey is configured (plaintext only).</summary>
public sealed class WeChatCryptoHolder(IOptions<SimulatorOptions> options) : IDisposable
{
    public WeChatMessageCrypto? Crypto { get; } = string.IsNullOrEmpty(options.Value.EncodingAESKey)
        ? null
        : new WeChatMessageCrypto(options.Value.AppId, options.Value.EncodingAESKey);

    public void Dispose() => Crypto?.Dispose();
}
