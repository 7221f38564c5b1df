namespace WeChatAi.Core.Data.Billing;

/// <summary>
/// A purchase of one product (<c>orders</c>). The amount, credits and validity are copied from the configured product
/// list when the order is created, never taken from the client, so a later price change does not alter it.
/// </summary>
public sealed class Order
{
    public long Id { get; set; }

    /// <summary>Our order number sent to WeChat Pay (6–32 letters, digits, <c>_-|*</c>), unique.</summary>
    public required string OutTradeNo { get; set; }

    public required string AppId { get; set; }

    public required string OpenId { get; set; }

    public required string ProductId { get; set; }

    public required string ProductName { get; set; }

    public int AmountFen { get; set; }

    public int Credits { get; set; }

    public int ValidityDays { get; set; }

    public OrderState State { get; set; }

    public PaymentChannel Channel { get; set; }

    /// <summary>JSAPI's <c>prepay_id</c> (valid 2 h).</summary>
    public string? PrepayId { get; set; }

    /// <summary>Native's <c>code_url</c> (valid 2 h).</summary>
    public string? CodeUrl { get; set; }

    /// <summary>WeChat Pay's <c>transaction_id</c> once paid.</summary>
    public string? TransactionId { get; set; }

    /// <summary>What WeChat Pay reported as <c>amount.total</c>, when it reported one.</summary>
    public int? PaidAmountFen { get; set; }

    /// <summary>The payment reported an amount or payer other than the order's: not settled, for an operator.</summary>
    public bool Mismatch { get; set; }

    public string? MismatchReason { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? PaidAt { get; set; }

    public DateTimeOffset? ClosedAt { get; set; }

    public DateTimeOffset? RefundedAt { get; set; }

    /// <summary>
    /// When the reconciliation last asked WeChat Pay about the order (its creation until then): a pass takes the
    /// pending orders asked longest ago, so every one is reached however many are stuck.
    /// </summary>
    public DateTimeOffset QueriedAt { get; set; }

    /// <summary>Optimistic concurrency (PostgreSQL's <c>xmin</c>), on top of the row locks settlement takes.</summary>
    public uint Version { get; set; }
}

public enum OrderState
{
    /// <summary>Created; prepay asked for or done; not paid yet.</summary>
    Pending,
    Paid,

    /// <summary>Closed unpaid (expired, closed by us, or the prepay failed).</summary>
    Closed,
    Refunding,
    Refunded,
}

public enum PaymentChannel
{
    /// <summary>In WeChat's browser: <c>WeixinJSBridge</c>.</summary>
    Jsapi,

    /// <summary>A QR code shown on a desktop screen.</summary>
    Native,
}
