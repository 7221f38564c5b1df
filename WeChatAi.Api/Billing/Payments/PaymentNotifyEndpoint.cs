using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WeChatAi.Core.Data;
using WeChatAi.Core.WeChatPay;

namespace WeChatAi.Api.Billing.Payments;

/// <summary>
/// <c>POST /api/pay/notify</c>, WeChat Pay's notifications: the raw body verified before it is parsed, then settled in
/// one transaction. 204 when settled or already settled (WeChat Pay stops), 401 for a bad signature, 5xx when a
/// retry may succeed; answered within WeChat Pay's 5 seconds.
/// </summary>
internal static partial class PaymentNotifyEndpoint
{
    /// <summary>WeChat Pay's notifications are about 1 KB; the endpoint's limit, enforced while the body is read.</summary>
    public const int MaxBodyBytes = 64 * 1024;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(4);

    public static async Task<IResult> HandleAsync(
        HttpContext context, IOptions<WeChatPayOptions> options, WeChatPayNotifications notifications, WeChatDbContext db, PaymentSettlement settlement, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(PaymentNotifyEndpoint));
        if (!options.Value.IsConfigured)
        {
            return Fail(StatusCodes.Status503ServiceUnavailable, "payments are not configured");
        }

        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return Fail(StatusCodes.Status413PayloadTooLarge, "body over 64 KB");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(Budget);
        byte[]? body;
        try
        {
            body = await ReadBoundedAsync(context.Request.Body, timeout.Token);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            body = null; // Kestrel stopped a chunked body at the endpoint's limit
        }

        if (body is null)
        {
            return Fail(StatusCodes.Status413PayloadTooLarge, "body over 64 KB");
        }

        WeChatPayNotification notification;
        try
        {
            notification = notifications.Read(context.Request.Headers, body);
        }
        catch (WeChatPaySignatureException ex)
        {
            LogRefused(logger, ex.Message);
            return Fail(StatusCodes.Status401Unauthorized, "signature verification failed");
        }
        catch (WeChatPayProtocolException ex)
        {
            // Signed by WeChat Pay yet unreadable: most likely our WeChatPay:ApiV3Key; a retry after the fix succeeds.
            LogUnreadable(logger, ex.Message);
            return Fail(StatusCodes.Status500InternalServerError, "notification could not be decrypted");
        }

        try
        {
            var result = await settlement.NotificationAsync(db, notification, body, context.Request.Headers[WeChatPaySignatureHeaders.SerialHeader], timeout.Token);
            LogSettled(logger, notification.Id, notification.EventType, result.Outcome);
            return Results.NoContent();
        }
        catch (Exception ex) when (ex is DbException or DbUpdateException or TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            // Nothing was committed: WeChat Pay's retry (15 s later) settles it.
            LogFailed(logger, ex, notification.Id);
            return Fail(StatusCodes.Status500InternalServerError, "temporarily unable to settle");
        }
    }

    /// <summary>The body, or null as soon as it is known to exceed <see cref="MaxBodyBytes"/> (never more is held).</summary>
    private static async Task<byte[]?> ReadBoundedAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>The answer WeChat Pay retries on: <c>{"code":"FAIL","message":…}</c> with a 4xx/5xx status.</summary>
    private static IResult Fail(int status, string message) =>
        Results.Json(new Dictionary<string, string> { ["code"] = "FAIL", ["message"] = message }, statusCode: status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Payment notification refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Payment notification signed but unreadable: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Payment notification {Id} ({EventType}): {Outcome}")]
    private static partial void LogSettled(ILogger logger, string id, string eventType, string outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "Payment notification {Id} not settled; WeChat Pay will retry")]
    private static partial void LogFailed(ILogger logger, Exception exception, string id);
}
