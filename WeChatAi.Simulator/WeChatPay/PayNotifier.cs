using System.Text.Json.Nodes;
using WeChatAi.Core.WeChatPay;

namespace WeChatAi.Simulator.WeChatPay;

/// <summary>
/// Posts notifications as WeChat Pay does: signed, the resource encrypted, retried after 15 s and 15 s more while the
/// answer is not 2xx; and on demand the odd ones a real merchant meets (duplicates, late, SIGTEST probes, tampered).
/// </summary>
internal sealed partial class PayNotifier(HttpClient http, SimulatedPay pay, ILogger<PayNotifier> logger)
{
    private static readonly TimeSpan[] Retries = [TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(15)];

    /// <summary>How one notification is sent; <see cref="Normal"/> unless the chat page asks for another.</summary>
    public enum Variant
    {
        Normal,
        Duplicate,
        Late,
        SignTest,
        Tampered,
        AmountMismatch,
    }

    public void Paid(PayOrder order, Variant variant = Variant.Normal)
    {
        var resource = pay.Transaction(order, variant == Variant.AmountMismatch ? order.Total - 1 : null);
        _ = SendAsync(order.NotifyUrl, WeChatPayEvents.TransactionSuccess, "transaction", resource, variant);
    }

    public void Refunded(PayRefund refund, Variant variant = Variant.Normal)
    {
        var eventType = refund.Status switch
        {
            WeChatPayRefundStatus.Closed => WeChatPayEvents.RefundClosed,
            WeChatPayRefundStatus.Abnormal => WeChatPayEvents.RefundAbnormal,
            _ => WeChatPayEvents.RefundSuccess,
        };
        _ = SendAsync(refund.NotifyUrl, eventType, "refund", pay.Refund(refund, "refund_status"), variant);
    }

    private async Task SendAsync(string notifyUrl, string eventType, string originalType, JsonObject resource, Variant variant)
    {
        try
        {
            if (variant == Variant.Late)
            {
                await Task.Delay(TimeSpan.FromSeconds(30));
            }

            var body = pay.NotificationBody(eventType, originalType, resource);
            var headers = pay.Sign(body);
            switch (variant)
            {
                case Variant.SignTest:
                    headers = headers with { Signature = WeChatPayVerifier.SignTestPrefix + headers.Signature };
                    break;
                case Variant.Tampered:
                    body = System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(body).Replace("支付成功", "支付成功 ", StringComparison.Ordinal));
                    break;
            }

            var copies = variant == Variant.Duplicate ? 3 : 1;
            await Task.WhenAll(Enumerable.Range(0, copies).Select(_ => DeliverAsync(notifyUrl, eventType, headers, body)));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            LogUndelivered(logger, eventType, notifyUrl, ex.Message);
        }
    }

    private async Task DeliverAsync(string notifyUrl, string eventType, WeChatPaySignatureHeaders headers, byte[] body)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, notifyUrl) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            headers.WriteTo(request.Headers);
            using var response = await http.SendAsync(request);
            LogDelivered(logger, eventType, (int)response.StatusCode, attempt + 1);
            if (response.IsSuccessStatusCode || attempt == Retries.Length)
            {
                return;
            }

            await Task.Delay(Retries[attempt]);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "WeChat Pay notification {EventType} answered {Status} (attempt {Attempt})")]
    private static partial void LogDelivered(ILogger logger, string eventType, int status, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeChat Pay notification {EventType} to {Url} not delivered: {Reason}")]
    private static partial void LogUndelivered(ILogger logger, string eventType, string url, string reason);
}
