using System.Globalization;
using Microsoft.Extensions.Options;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Api.Webhook;

/// <summary>
/// The endpoint filter in front of <c>GET/POST /wechat</c>: the webhook is configured, the query carries its
/// parameters, the timestamp is fresh and <c>signature</c> matches, all before the body is read. A POST then also
/// needs a known <c>encrypt_type</c>, is refused in plaintext while a key is configured (unless
/// <c>WeChat:AcceptPlaintext</c>), and has its body read (at most 64 KB), parsed and, in safe mode, its
/// <c>msg_signature</c> checked and its <c>&lt;Encrypt&gt;</c> part decrypted. The handler gets an
/// <see cref="AuthenticatedPush"/>, with a plaintext push's signed-query (replay) check still to run.
/// </summary>
internal sealed class WebhookAuthentication : IEndpointFilter, IDisposable
{
    private const string SafeMode = "aes";

    private static readonly TextReply PlaintextRefusedReply = new(
        "WeChat:EncodingAESKey is configured, so only safe-mode pushes (encrypt_type=aes with msg_signature) are accepted.", TextReply.Plain, StatusCodes.Status401Unauthorized);

    private static readonly string[] VerifyParameters = ["signature", "timestamp", "nonce", "echostr"];
    private static readonly string[] PushParameters = ["signature", "timestamp", "nonce"];
    private static readonly string[] SafePushParameters = ["signature", "timestamp", "nonce", "msg_signature"];

    private readonly WeChatOptions _options;
    private readonly WeChatMessageCrypto? _crypto;
    private readonly SignedQueryReplay _replay;
    private readonly TimeProvider _time;
    private readonly ILogger<WeChatWebhook> _logger;

    public WebhookAuthentication(IOptionsMonitor<WeChatOptions> options, SignedQueryReplay replay, TimeProvider time, ILogger<WeChatWebhook> logger)
    {
        // The account's keys and modes as the service started.
        _options = options.CurrentValue;
        _replay = replay;
        _time = time;
        _logger = logger;

        // One instance for the process: AES key schedules are not rebuilt per request.
        _crypto = _options.IsWebhookConfigured && !string.IsNullOrEmpty(_options.EncodingAESKey)
            ? new WeChatMessageCrypto(_options.AppId!, _options.EncodingAESKey, _options.PreviousEncodingAESKey)
            : null;
    }

    private string Token => _options.Token!;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        if (HttpMethods.IsGet(http.Request.Method))
        {
            return Authenticate(http.Request.Query, VerifyParameters) ?? await next(context).ConfigureAwait(false);
        }

        var (push, rejection) = await AuthenticatePushAsync(http).ConfigureAwait(false);
        if (push is null)
        {
            return rejection;
        }

        http.Features.Set(push);
        return await next(context).ConfigureAwait(false);
    }

    public void Dispose() => _crypto?.Dispose();

    private async Task<(AuthenticatedPush? Push, TextReply? Rejection)> AuthenticatePushAsync(HttpContext context)
    {
        var query = context.Request.Query;
        string? encryptType = query["encrypt_type"];
        bool safe = string.Equals(encryptType, SafeMode, StringComparison.OrdinalIgnoreCase);
        if (!safe && !string.IsNullOrEmpty(encryptType) && !string.Equals(encryptType, "raw", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Reject(StatusCodes.Status400BadRequest, "encrypt_type must be 'aes' or 'raw'."));
        }

        if (Authenticate(query, safe ? SafePushParameters : PushParameters) is { } rejection)
        {
            return (null, rejection);
        }

        // The query's signature does not cover the body: with a key configured, only msg_signature vouches for a message.
        if (!safe && _crypto is not null && !_options.AcceptPlaintext)
        {
            WebhookLog.PlaintextRefused(_logger);
            return (null, PlaintextRefusedReply);
        }

        try
        {
            WeChatXmlDocument document;
            byte[]? plaintextHash;

            // The pooled body buffer goes back as soon as it is parsed, before any awaiting on Redis or PostgreSQL.
            using (var body = await WeChatRequestBody.ReadAsync(context.Request, context.RequestAborted).ConfigureAwait(false))
            {
                if (body is null)
                {
                    return (null, Reject(StatusCodes.Status413PayloadTooLarge, $"The body is larger than {WeChatRequestBody.MaxBytes / 1024} KB."));
                }

                using var stream = body.OpenRead();
                document = WeChatXml.Parse(stream);
                plaintextHash = safe ? null : body.Sha256();
            }

            if (!safe)
            {
                var plaintext = WeChatInbound.From(document);
                var check = _replay.For(query["signature"]!, long.Parse(query["timestamp"]!, NumberStyles.None, CultureInfo.InvariantCulture), plaintextHash!);
                return (new AuthenticatedPush(plaintext, check, safeMode: null), null);
            }

            if (_crypto is null)
            {
                return (null, Reject(StatusCodes.Status400BadRequest, "WeChat:EncodingAESKey is not configured, so safe-mode (encrypt_type=aes) messages cannot be decrypted."));
            }

            // Compatible mode sends plaintext fields too; only the signed, encrypted part is trusted.
            string encrypt = document.GetEncrypt();
            if (!WeChatSignature.IsValid(query["msg_signature"], Token, query["timestamp"]!, query["nonce"]!, encrypt))
            {
                return (null, Reject(StatusCodes.Status401Unauthorized, "msg_signature does not match."));
            }

            var inbound = WeChatInbound.From(WeChatXml.Parse(_crypto.Decrypt(encrypt)));
            return (new AuthenticatedPush(inbound, signedQuery: null, new SafeModeReply(_crypto, Token, query["timestamp"]!, query["nonce"]!)), null);
        }
        catch (WeChatProtocolException ex)
        {
            return (null, Reject(StatusCodes.Status400BadRequest, ex.Message));
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
}
