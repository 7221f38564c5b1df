using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using WeChatAi.Core.WeChatPay;

namespace WeChatAi.Tests.Fakes;

/// <summary>
/// WeChat Pay API v3 over HTTP with its own keys: checks every request's <c>WECHATPAY2-SHA256-RSA2048</c> signature
/// with the merchant's public key, signs every answer with the WeChat Pay key, keeps orders and refunds, and makes the
/// signed, encrypted notifications WeChat Pay would post (<see cref="Notification"/>).
/// </summary>
public sealed class FakeWeChatPayServer : FakeHttpServer
{
    public const string MchId = "1900000109";
    public const string MerchantSerialNo = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
    public const string PublicKeyId = "PUB_KEY_ID_0119000001092025120100000000000001";
    public const string ApiV3Key = "FakeWeChatPayApiV3Key0123456789a";

    private readonly RSA _merchantKey = RSA.Create(2048);
    private readonly RSA _payKey = RSA.Create(2048);

    public ConcurrentDictionary<string, FakeOrder> Orders { get; } = new();

    public ConcurrentDictionary<string, FakeRefund> Refunds { get; } = new();

    /// <summary>Every request as (method, path and query, body), in arrival order.</summary>
    public ConcurrentQueue<(string Method, string Target, string Body)> Requests { get; } = new();

    /// <summary>Answers without the <c>Wechatpay-*</c> headers (a proxy stripped them, or a forger answered).</summary>
    public bool StripSignatures { get; set; }

    /// <summary>Requests whose signature did not verify.</summary>
    public int BadSignatures => _badSignatures;

    private int _badSignatures;

    public static async Task<FakeWeChatPayServer> StartAsync()
    {
        var server = new FakeWeChatPayServer();
        await server.StartAsyncCore();
        return server;
    }

    /// <summary>The merchant's settings against this server (the keys as PEM text, as an operator may paste them).</summary>
    public WeChatPayOptions Options(string notifyUrl) => new()
    {
        MchId = MchId,
        MerchantSerialNo = MerchantSerialNo,
        MerchantPrivateKey = _merchantKey.ExportPkcs8PrivateKeyPem(),
        PublicKeyId = PublicKeyId,
        PublicKey = _payKey.ExportSubjectPublicKeyInfoPem(),
        ApiV3Key = ApiV3Key,
        BaseUrl = BaseAddress.ToString(),
        NotifyUrl = notifyUrl,
    };

    /// <summary>The settings as environment variables, for a service process.</summary>
    public Dictionary<string, string?> Settings(string notifyUrl)
    {
        var options = Options(notifyUrl);
        return new()
        {
            ["WeChatPay__MchId"] = options.MchId,
            ["WeChatPay__MerchantSerialNo"] = options.MerchantSerialNo,
            ["WeChatPay__MerchantPrivateKey"] = options.MerchantPrivateKey,
            ["WeChatPay__PublicKeyId"] = options.PublicKeyId,
            ["WeChatPay__PublicKey"] = options.PublicKey,
            ["WeChatPay__ApiV3Key"] = options.ApiV3Key,
            ["WeChatPay__BaseUrl"] = options.BaseUrl,
            ["WeChatPay__NotifyUrl"] = options.NotifyUrl,
        };
    }

    /// <summary>An order WeChat Pay knows (as if our prepay had reached it), unpaid.</summary>
    public FakeOrder Register(string outTradeNo, string appId, long total, string? openId) =>
        Orders.GetOrAdd(outTradeNo, _ => new FakeOrder(outTradeNo, appId, total, openId));

    /// <summary>The payer paid: the order becomes SUCCESS (what a query then answers) and its transaction JSON is returned.</summary>
    public string Pay(string outTradeNo, long? total = null)
    {
        var order = Orders[outTradeNo];
        order.TradeState = WeChatPayTradeState.Success;
        order.TransactionId ??= "42000" + RandomNumberGenerator.GetString("0123456789", 23);
        order.PaidAt ??= DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8));
        return Transaction(order, total).ToJsonString();
    }

    /// <summary>A notification as WeChat Pay posts it: signed headers and the body with the resource encrypted.</summary>
    public (WeChatPaySignatureHeaders Headers, byte[] Body) Notification(string eventType, string originalType, string resourceJson, string? id = null, long? timestamp = null)
    {
        var body = WeChatPayNotifications.Seal(Encoding.UTF8.GetBytes(ApiV3Key), id ?? Guid.NewGuid().ToString(), eventType, eventType, originalType, resourceJson,
            RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 12), DateTimeOffset.UtcNow);
        return (Sign(body, timestamp), body);
    }

    /// <summary>Posts a notification to the merchant's notify URL, as WeChat Pay does; returns the status code.</summary>
    public static async Task<int> PostAsync(HttpClient http, Uri notifyUrl, (WeChatPaySignatureHeaders Headers, byte[] Body) notification)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, notifyUrl) { Content = new ByteArrayContent(notification.Body) };
        request.Content.Headers.ContentType = new("application/json");
        notification.Headers.WriteTo(request.Headers);
        using var response = await http.SendAsync(request);
        return (int)response.StatusCode;
    }

    protected override void Map(WebApplication app)
    {
        // The slim builder has no regex route constraint.
        app.MapPost("/v3/pay/transactions/jsapi", (HttpContext context) => PrepayAsync(context, "jsapi"));
        app.MapPost("/v3/pay/transactions/native", (HttpContext context) => PrepayAsync(context, "native"));



        app.MapGet("/v3/pay/transactions/out-trade-no/{no}", (string no, HttpContext context) => HandleAsync(context, _ =>
            context.Request.Query["mchid"] != MchId ? Error(400, "PARAM_ERROR", "mchid")
            : Orders.TryGetValue(no, out var order) ? (200, Transaction(order, null))
            : Error(404, "ORDER_NOT_EXIST", "订单不存在")));

        app.MapPost("/v3/pay/transactions/out-trade-no/{no}/close", (string no, HttpContext context) => HandleAsync(context, _ =>
        {
            if (!Orders.TryGetValue(no, out var order))
            {
                return Error(404, "ORDER_NOT_EXIST", "订单不存在");
            }

            if (order.TradeState == WeChatPayTradeState.Success)
            {
                return Error(400, "ORDERPAID", "该订单已支付");
            }

            order.TradeState = WeChatPayTradeState.Closed;
            return (204, null);
        }));

        app.MapPost("/v3/refund/domestic/refunds", (HttpContext context) => HandleAsync(context, json =>
        {
            var outTradeNo = json?["out_trade_no"]?.GetValue<string>();
            var outRefundNo = json?["out_refund_no"]?.GetValue<string>();
            if (outTradeNo is null || outRefundNo is null || !Orders.TryGetValue(outTradeNo, out var order) || order.TradeState is not (WeChatPayTradeState.Success or WeChatPayTradeState.Refund))
            {
                return Error(404, "RESOURCE_NOT_EXISTS", "订单不存在或未支付");
            }

            var refund = Refunds.GetOrAdd(outRefundNo, _ => new FakeRefund(outRefundNo, order, json!["amount"]!["refund"]!.GetValue<long>()));
            order.TradeState = WeChatPayTradeState.Refund;
            return (200, Refund(refund, "status"));
        }));

        app.MapGet("/v3/refund/domestic/refunds/{no}", (string no, HttpContext context) => HandleAsync(context, _ =>
            Refunds.TryGetValue(no, out var refund) ? (200, Refund(refund, "status")) : Error(404, "RESOURCE_NOT_EXISTS", "退款单不存在")));
    }

    private Task PrepayAsync(HttpContext context, string kind) => HandleAsync(context, json =>
        {
            var outTradeNo = json?["out_trade_no"]?.GetValue<string>();
            if (json?["mchid"]?.GetValue<string>() != MchId || outTradeNo is null || json["amount"]?["total"] is null || json["notify_url"] is null
                || (kind == "jsapi" && json["payer"]?["openid"] is null))
            {
                return Error(400, "PARAM_ERROR", "missing or wrong parameters");
            }

            var order = Orders.GetOrAdd(outTradeNo, _ => new FakeOrder(outTradeNo, json["appid"]!.GetValue<string>(), json["amount"]!["total"]!.GetValue<long>(), json["payer"]?["openid"]?.GetValue<string>()));
            if (order.TradeState == WeChatPayTradeState.Success)
            {
                return Error(400, "ORDERPAID", "该订单已支付");
            }

            var prepay = "wx" + RandomNumberGenerator.GetHexString(32, lowercase: true);
            return (200, kind == "jsapi" ? new JsonObject { ["prepay_id"] = prepay } : new JsonObject { ["code_url"] = "weixin://wxpay/bizpayurl?pr=" + prepay[..9] });
        });

    /// <summary>The refund resource of a REFUND.* notification.</summary>
    public static string RefundResource(FakeRefund refund) => Refund(refund, "refund_status").ToJsonString();

    private async Task HandleAsync(HttpContext context, Func<JsonNode?, (int Status, JsonNode? Body)> handle)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var raw = buffer.ToArray();
        var target = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        Requests.Enqueue((context.Request.Method, target, Encoding.UTF8.GetString(raw)));

        var authorization = WeChatPayAuthorization.Parse(context.Request.Headers.Authorization);
        (int Status, JsonNode? Body) answer;
        if (authorization is null || authorization.MchId != MchId || authorization.SerialNo != MerchantSerialNo
            || !authorization.IsValid(_merchantKey, context.Request.Method, target, raw))
        {
            Interlocked.Increment(ref _badSignatures);
            answer = Error(401, "SIGN_ERROR", "签名错误");
        }
        else
        {
            answer = handle(raw.Length == 0 ? null : JsonNode.Parse(raw));
        }

        var bytes = answer.Body is null ? [] : Encoding.UTF8.GetBytes(answer.Body.ToJsonString());
        context.Response.StatusCode = answer.Status;
        if (!StripSignatures)
        {
            Sign(bytes, null).WriteTo(context.Response.Headers);
        }

        if (bytes.Length > 0)
        {
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(bytes);
        }
    }

    private WeChatPaySignatureHeaders Sign(byte[] body, long? timestamp) =>
        WeChatPaySignatureHeaders.Sign(_payKey, PublicKeyId, timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds(), Guid.NewGuid().ToString("N"), body);

    private static (int, JsonNode?) Error(int status, string code, string message) => (status, new JsonObject { ["code"] = code, ["message"] = message });

    private static JsonObject Transaction(FakeOrder order, long? total) => new()
    {
        ["appid"] = order.AppId,
        ["mchid"] = MchId,
        ["out_trade_no"] = order.OutTradeNo,
        ["transaction_id"] = order.TransactionId,
        ["trade_type"] = order.OpenId is null ? "NATIVE" : "JSAPI",
        ["trade_state"] = order.TradeState,
        ["trade_state_desc"] = order.TradeState,
        ["success_time"] = order.PaidAt?.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
        ["payer"] = new JsonObject { ["openid"] = order.OpenId },
        ["amount"] = new JsonObject { ["total"] = total ?? order.Total, ["payer_total"] = total ?? order.Total, ["currency"] = "CNY", ["payer_currency"] = "CNY" },
    };

    private static JsonObject Refund(FakeRefund refund, string statusField) => new()
    {
        ["mchid"] = MchId,
        ["refund_id"] = refund.RefundId,
        ["out_refund_no"] = refund.OutRefundNo,
        ["transaction_id"] = refund.Order.TransactionId,
        ["out_trade_no"] = refund.Order.OutTradeNo,
        [statusField] = refund.Status,
        ["amount"] = new JsonObject { ["total"] = refund.Order.Total, ["refund"] = refund.Amount, ["payer_total"] = refund.Order.Total, ["payer_refund"] = refund.Amount, ["currency"] = "CNY" },
    };

    public sealed class FakeOrder(string outTradeNo, string appId, long total, string? openId)
    {
        public string OutTradeNo { get; } = outTradeNo;
        public string AppId { get; } = appId;
        public long Total { get; } = total;
        public string? OpenId { get; } = openId;
        public string TradeState { get; set; } = WeChatPayTradeState.NotPay;
        public string? TransactionId { get; set; }
        public DateTimeOffset? PaidAt { get; set; }
    }

    public sealed class FakeRefund(string outRefundNo, FakeOrder order, long amount)
    {
        public string OutRefundNo { get; } = outRefundNo;
        public string RefundId { get; } = "50000" + RandomNumberGenerator.GetString("0123456789", 24);
        public FakeOrder Order { get; } = order;
        public long Amount { get; } = amount;
        public string Status { get; set; } = WeChatPayRefundStatus.Processing;
    }
}
