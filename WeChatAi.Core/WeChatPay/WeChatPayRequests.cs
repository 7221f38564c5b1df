namespace WeChatAi.Core.WeChatPay;

/// <summary><c>POST /v3/pay/transactions/jsapi</c>: a payment inside WeChat by the payer's OpenID. Amounts in fen.</summary>
public sealed record JsapiPrepayRequest(
    string AppId, string Description, string OutTradeNo, long Total, string PayerOpenId,
    DateTimeOffset? TimeExpire = null, string? Attach = null);

/// <summary><c>POST /v3/pay/transactions/native</c>: a QR code scanned with 扫一扫 (a desktop screen; not inside WeChat).</summary>
public sealed record NativePrepayRequest(
    string AppId, string Description, string OutTradeNo, long Total,
    DateTimeOffset? TimeExpire = null, string? Attach = null);

/// <summary><c>POST /v3/refund/domestic/refunds</c>; retry with the same <see cref="OutRefundNo"/>. Amounts in fen.</summary>
public sealed record WeChatPayRefundRequest(string OutTradeNo, string OutRefundNo, long Refund, long Total, string? Reason = null);
