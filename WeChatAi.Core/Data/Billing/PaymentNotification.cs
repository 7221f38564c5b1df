namespace WeChatAi.Core.Data.Billing;

/// <summary>
/// A WeChat Pay notification as received (<c>payment_notifications</c>), kept with its raw body so it can be verified
/// and read again; its notification id is unique, so a redelivery is recognised.
/// </summary>
public sealed class PaymentNotification
{
    public long Id { get; set; }

    /// <summary>The notification's <c>id</c>.</summary>
    public required string NotificationId { get; set; }

    /// <summary>E.g. <c>TRANSACTION.SUCCESS</c>, <c>REFUND.SUCCESS</c>.</summary>
    public required string EventType { get; set; }

    /// <summary>The exact bytes received (as UTF-8 text): a re-serialised body would no longer verify.</summary>
    public required string RawBody { get; set; }

    /// <summary>The <c>Wechatpay-Serial</c> header: which key signed it.</summary>
    public string? Serial { get; set; }

    public string? OutTradeNo { get; set; }

    public string? OutRefundNo { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }

    public DateTimeOffset? ProcessedAt { get; set; }

    /// <summary>What processing concluded (settled, duplicate, mismatch, unknown order…).</summary>
    public string? Outcome { get; set; }
}
