using System.Text.Json.Serialization;

namespace WeChatAi.Core.WeChatPay;

/// <summary>
/// A refund as WeChat Pay reports it: the answer of the refund call and its query (<c>status</c>) and the <c>refund</c>
/// resource of a notification (<c>refund_status</c>); <see cref="State"/> is whichever came.
/// </summary>
public sealed class WeChatPayRefund
{
    [JsonPropertyName("mchid")] public string? MchId { get; init; }
    [JsonPropertyName("refund_id")] public string? RefundId { get; init; }
    [JsonPropertyName("out_refund_no")] public string? OutRefundNo { get; init; }
    [JsonPropertyName("transaction_id")] public string? TransactionId { get; init; }
    [JsonPropertyName("out_trade_no")] public string? OutTradeNo { get; init; }
    [JsonPropertyName("channel")] public string? Channel { get; init; }
    [JsonPropertyName("user_received_account")] public string? UserReceivedAccount { get; init; }
    [JsonPropertyName("status")] public string? Status { get; init; }
    [JsonPropertyName("refund_status")] public string? RefundStatus { get; init; }
    [JsonPropertyName("create_time")] public DateTimeOffset? CreateTime { get; init; }
    [JsonPropertyName("success_time")] public DateTimeOffset? SuccessTime { get; init; }
    [JsonPropertyName("amount")] public WeChatPayRefundAmount? Amount { get; init; }

    /// <summary>One of <see cref="WeChatPayRefundStatus"/>.</summary>
    [JsonIgnore] public string? State => RefundStatus ?? Status;
}

/// <summary>Fen.</summary>
public sealed class WeChatPayRefundAmount
{
    [JsonPropertyName("total")] public long? Total { get; init; }
    [JsonPropertyName("refund")] public long? Refund { get; init; }
    [JsonPropertyName("payer_total")] public long? PayerTotal { get; init; }
    [JsonPropertyName("payer_refund")] public long? PayerRefund { get; init; }
    [JsonPropertyName("currency")] public string? Currency { get; init; }
}

/// <summary>Values of a refund's <c>status</c> / <c>refund_status</c>.</summary>
public static class WeChatPayRefundStatus
{
    public const string Success = "SUCCESS";
    public const string Closed = "CLOSED";
    public const string Processing = "PROCESSING";
    public const string Abnormal = "ABNORMAL";
}
