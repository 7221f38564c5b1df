namespace WeChatAi.Core.Data.Billing;

/// <summary>A refund of (part of) an order (<c>refunds</c>); <c>out_refund_no</c> is unique, so a retry reuses it.</summary>
public sealed class Refund
{
    public long Id { get; set; }

    public required string OutRefundNo { get; set; }

    public long OrderId { get; set; }

    public required string OutTradeNo { get; set; }

    /// <summary>WeChat Pay's <c>refund_id</c>.</summary>
    public string? RefundId { get; set; }

    public int AmountFen { get; set; }

    /// <summary>Credits taken back from the order's grant (what was left of it).</summary>
    public int CreditsReversed { get; set; }

    public string? Reason { get; set; }

    public RefundState State { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? SucceededAt { get; set; }
}

/// <summary>WeChat Pay's refund statuses, plus <see cref="Requested"/> before its answer.</summary>
public enum RefundState
{
    Requested,
    Processing,
    Success,
    Closed,
    Abnormal,
}
