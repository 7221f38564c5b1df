using System.Text.Json.Serialization;

namespace WeChatAi.Core.WeChatPay;

/// <summary>A payment as WeChat Pay reports it: the query answer and the <c>transaction</c> resource of a notification.</summary>
public sealed class WeChatPayTransaction
{
    [JsonPropertyName("appid")] public string? AppId { get; init; }
    [JsonPropertyName("mchid")] public string? MchId { get; init; }
    [JsonPropertyName("out_trade_no")] public string? OutTradeNo { get; init; }
    [JsonPropertyName("transaction_id")] public string? TransactionId { get; init; }
    [JsonPropertyName("trade_type")] public string? TradeType { get; init; }

    /// <summary>One of <see cref="WeChatPayTradeState"/>.</summary>
    [JsonPropertyName("trade_state")] public string? TradeState { get; init; }
    [JsonPropertyName("trade_state_desc")] public string? TradeStateDesc { get; init; }
    [JsonPropertyName("bank_type")] public string? BankType { get; init; }
    [JsonPropertyName("attach")] public string? Attach { get; init; }
    [JsonPropertyName("success_time")] public DateTimeOffset? SuccessTime { get; init; }
    [JsonPropertyName("payer")] public WeChatPayPayer? Payer { get; init; }
    [JsonPropertyName("amount")] public WeChatPayAmount? Amount { get; init; }
}

public sealed class WeChatPayPayer
{
    [JsonPropertyName("openid")] public string? OpenId { get; init; }
}

/// <summary>Fen. Compare <see cref="Total"/> with the order: <see cref="PayerTotal"/> is lower when a coupon paid part.</summary>
public sealed class WeChatPayAmount
{
    [JsonPropertyName("total")] public long? Total { get; init; }
    [JsonPropertyName("payer_total")] public long? PayerTotal { get; init; }
    [JsonPropertyName("currency")] public string? Currency { get; init; }
    [JsonPropertyName("payer_currency")] public string? PayerCurrency { get; init; }
}

/// <summary>Values of <c>trade_state</c>.</summary>
public static class WeChatPayTradeState
{
    public const string Success = "SUCCESS";
    public const string Refund = "REFUND";
    public const string NotPay = "NOTPAY";
    public const string Closed = "CLOSED";
    public const string Revoked = "REVOKED";
    public const string UserPaying = "USERPAYING";
    public const string PayError = "PAYERROR";
}
