using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using WeChatAi.Core.WeChatPay;
using WeChatAi.Simulator.State;

namespace WeChatAi.Simulator.WeChatPay;

/// <summary>
/// WeChat Pay's side of one simulated merchant: its keys, the orders and refunds it holds (kept in <c>pay.json</c> of the
/// data folder, so yesterday's orders can still be queried and refunded), its signatures.
/// </summary>
internal sealed class SimulatedPay : IDisposable
{
    private const string FileName = "pay.json";
    private readonly RSA? _merchantPublic;
    private readonly RSA? _payPrivate;
    private readonly StateFiles _files;

    public SimulatedPay(IOptions<SimulatorOptions> options, StateFiles files)
    {
        Options = options.Value.Pay;
        _files = files;
        if (Options.IsConfigured)
        {
            _merchantPublic = WeChatPayKeys.LoadPublicKey(Options.MerchantPublicKey!, "Simulator:Pay:MerchantPublicKey");
            _payPrivate = WeChatPayKeys.LoadPrivateKey(Options.PayPrivateKey!, "Simulator:Pay:PayPrivateKey");
        }

        var saved = files.Load<SavedPay>(FileName);
        foreach (var order in saved?.Orders ?? [])
        {
            Orders[order.OutTradeNo] = order;
        }

        foreach (var refund in saved?.Refunds ?? [])
        {
            if (Orders.TryGetValue(refund.OutTradeNo, out var order))
            {
                // A refund still processing when the simulator stopped went through meanwhile; a query says so.
                Refunds[refund.OutRefundNo] = new PayRefund
                {
                    OutRefundNo = refund.OutRefundNo, Order = order, Amount = refund.Amount, NotifyUrl = refund.NotifyUrl,
                    RefundId = refund.RefundId, CreatedAt = refund.CreatedAt, Status = WeChatPayRefundStatus.Success,
                };
            }
        }
    }

    public SimulatedPayOptions Options { get; }

    public ConcurrentDictionary<string, PayOrder> Orders { get; } = new();

    public ConcurrentDictionary<string, PayRefund> Refunds { get; } = new();

    /// <summary>Writes the orders and refunds after a change (no data folder: nothing is kept).</summary>
    public void Save() => _files.Save(FileName, new SavedPay(
        [.. Orders.Values],
        [.. Refunds.Values.Select(r => new SavedRefund(r.OutRefundNo, r.Order.OutTradeNo, r.Amount, r.NotifyUrl, r.RefundId, r.CreatedAt))]));

    public PayOrder? ByPrepayId(string prepayId) => Orders.Values.FirstOrDefault(o => o.PrepayId == prepayId);

    /// <summary>The merchant's request signature, over exactly what arrived.</summary>
    public bool IsSignedByMerchant(WeChatPayAuthorization? authorization, string method, string target, ReadOnlySpan<byte> body) =>
        authorization is not null && authorization.MchId == Options.MchId && authorization.IsValid(_merchantPublic!, method, target, body)
        && long.TryParse(authorization.Timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var ts)
        && Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - ts) <= WeChatPayVerifier.ToleranceSeconds;

    /// <summary>The page's <c>paySign</c>: the merchant key over <c>appId\ntimeStamp\nnonceStr\npackage\n</c>.</summary>
    public bool IsPaySignValid(string appId, string timeStamp, string nonceStr, string package, string paySign) =>
        WeChatPayRsa.Verify(_merchantPublic!, Encoding.UTF8.GetBytes(WeChatPayRsa.Lines(appId, timeStamp, nonceStr, package)), paySign);

    public WeChatPaySignatureHeaders Sign(ReadOnlySpan<byte> body, long? timestamp = null) =>
        WeChatPaySignatureHeaders.Sign(_payPrivate!, Options.PublicKeyId!, timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds(), WeChatPayRsa.Nonce(), body);

    /// <summary>A notification body with its resource encrypted under the APIv3 key.</summary>
    public byte[] NotificationBody(string eventType, string originalType, JsonObject resource) =>
        WeChatPayNotifications.Seal(Encoding.UTF8.GetBytes(Options.ApiV3Key!), Guid.NewGuid().ToString(), eventType,
            eventType.StartsWith("REFUND", StringComparison.Ordinal) ? "退款结果" : "支付成功", originalType, resource.ToJsonString(),
            RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 12), DateTimeOffset.UtcNow);

    public JsonObject Transaction(PayOrder order, long? total = null) => new()
    {
        ["appid"] = order.AppId,
        ["mchid"] = Options.MchId,
        ["out_trade_no"] = order.OutTradeNo,
        ["transaction_id"] = order.TransactionId,
        ["trade_type"] = order.TradeType,
        ["trade_state"] = order.TradeState,
        ["trade_state_desc"] = order.TradeState == WeChatPayTradeState.Success ? "支付成功" : order.TradeState,
        ["bank_type"] = "OTHERS",
        ["attach"] = order.Attach ?? "",
        ["success_time"] = order.PaidAt is { } paid ? ChinaTime(paid) : null,
        ["payer"] = new JsonObject { ["openid"] = order.OpenId },
        ["amount"] = new JsonObject { ["total"] = total ?? order.Total, ["payer_total"] = total ?? order.Total, ["currency"] = "CNY", ["payer_currency"] = "CNY" },
    };

    public JsonObject Refund(PayRefund refund, string statusField) => new()
    {
        ["mchid"] = Options.MchId,
        ["refund_id"] = refund.RefundId,
        ["out_refund_no"] = refund.OutRefundNo,
        ["transaction_id"] = refund.Order.TransactionId,
        ["out_trade_no"] = refund.Order.OutTradeNo,
        ["channel"] = "ORIGINAL",
        ["user_received_account"] = "支付用户零钱",
        [statusField] = refund.Status,
        ["create_time"] = ChinaTime(refund.CreatedAt),
        ["success_time"] = refund.Status == WeChatPayRefundStatus.Success ? ChinaTime(DateTimeOffset.UtcNow) : null,
        ["amount"] = new JsonObject { ["total"] = refund.Order.Total, ["refund"] = refund.Amount, ["payer_total"] = refund.Order.Total, ["payer_refund"] = refund.Amount, ["currency"] = "CNY" },
    };

    private static string ChinaTime(DateTimeOffset time) =>
        time.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    public void Dispose()
    {
        _merchantPublic?.Dispose();
        _payPrivate?.Dispose();
    }

    private sealed record SavedPay(List<PayOrder> Orders, List<SavedRefund> Refunds);

    private sealed record SavedRefund(string OutRefundNo, string OutTradeNo, long Amount, string NotifyUrl, string RefundId, DateTimeOffset CreatedAt);
}

internal sealed class PayOrder
{
    public required string OutTradeNo { get; init; }
    public required string AppId { get; init; }
    public required string Description { get; init; }
    public required long Total { get; init; }
    public required string NotifyUrl { get; init; }
    public required string TradeType { get; init; }
    public string? OpenId { get; set; }
    public string? Attach { get; init; }
    public string PrepayId { get; set; } = "";
    public string TradeState { get; set; } = WeChatPayTradeState.NotPay;
    public string? TransactionId { get; set; }
    public DateTimeOffset? PaidAt { get; set; }
}

internal sealed class PayRefund
{
    public required string OutRefundNo { get; init; }
    public required PayOrder Order { get; init; }
    public required long Amount { get; init; }
    public required string NotifyUrl { get; init; }
    public string RefundId { get; init; } = "50300" + RandomNumberGenerator.GetString("0123456789", 24);
    public string Status { get; set; } = WeChatPayRefundStatus.Processing;
    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;
}
