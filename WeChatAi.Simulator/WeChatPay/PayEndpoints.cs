using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using WeChatAi.Core.WeChatPay;

namespace WeChatAi.Simulator.WeChatPay;

/// <summary>
/// WeChat Pay API v3 (<c>/v3/pay/transactions/…</c>, <c>/v3/refund/domestic/refunds</c>): every request's signature
/// checked with the merchant's public key, every answer signed. And <c>/sim/pay/*</c>: the payer confirms in the
/// "WeChat browser" (the page's <c>paySign</c> checked), then the notification goes to the order's notify_url.
/// </summary>
internal static class PayEndpoints
{
    public static void MapWeChatPay(this WebApplication app)
    {
        app.MapPost("/v3/pay/transactions/jsapi", (HttpContext context, SimulatedPay pay) => HandleAsync(context, pay, json => Prepay(pay, json, "JSAPI")));
        app.MapPost("/v3/pay/transactions/native", (HttpContext context, SimulatedPay pay) => HandleAsync(context, pay, json => Prepay(pay, json, "NATIVE")));
        app.MapGet("/v3/pay/transactions/out-trade-no/{no}", (string no, HttpContext context, SimulatedPay pay) => HandleAsync(context, pay, _ =>
            pay.Orders.TryGetValue(no, out var order) ? (200, pay.Transaction(order)) : Error(404, "ORDER_NOT_EXIST", "订单不存在")));
        app.MapPost("/v3/pay/transactions/out-trade-no/{no}/close", (string no, HttpContext context, SimulatedPay pay) => HandleAsync(context, pay, _ =>
        {
            if (!pay.Orders.TryGetValue(no, out var order))
            {
                return Error(404, "ORDER_NOT_EXIST", "订单不存在");
            }

            if (order.TradeState is WeChatPayTradeState.Success or WeChatPayTradeState.Refund)
            {
                return Error(400, "ORDERPAID", "订单已支付");
            }

            order.TradeState = WeChatPayTradeState.Closed;
            pay.Save();
            return (204, null);
        }));
        app.MapPost("/v3/refund/domestic/refunds", (HttpContext context, SimulatedPay pay, PayNotifier notifier) => HandleAsync(context, pay, json =>
        {
            var outRefundNo = json?["out_refund_no"]?.GetValue<string>();
            var outTradeNo = json?["out_trade_no"]?.GetValue<string>();
            var amount = json?["amount"]?["refund"]?.GetValue<long>();
            if (outRefundNo is null || amount is null || outTradeNo is null || !pay.Orders.TryGetValue(outTradeNo, out var order))
            {
                return Error(404, "RESOURCE_NOT_EXISTS", "订单不存在");
            }

            if (order.TradeState is not (WeChatPayTradeState.Success or WeChatPayTradeState.Refund) || amount > order.Total)
            {
                return Error(403, "NOT_ENOUGH", "订单未支付或退款金额超过订单金额");
            }

            var refund = pay.Refunds.GetOrAdd(outRefundNo, _ => new PayRefund
            {
                OutRefundNo = outRefundNo,
                Order = order,
                Amount = amount.Value,
                NotifyUrl = json!["notify_url"]?.GetValue<string>() ?? order.NotifyUrl,
            });
            order.TradeState = WeChatPayTradeState.Refund;
            pay.Save();
            var answer = pay.Refund(refund, "status");
            if (refund.Status == WeChatPayRefundStatus.Processing)
            {
                // The money goes back a moment later, and WeChat Pay says so.
                _ = Task.Delay(TimeSpan.FromSeconds(2)).ContinueWith(_ =>
                {
                    refund.Status = WeChatPayRefundStatus.Success;
                    pay.Save();
                    notifier.Refunded(refund);
                }, TaskScheduler.Default);
            }

            return (200, answer);
        }));
        app.MapGet("/v3/refund/domestic/refunds/{no}", (string no, HttpContext context, SimulatedPay pay) => HandleAsync(context, pay, _ =>
            pay.Refunds.TryGetValue(no, out var refund) ? (200, pay.Refund(refund, "status")) : Error(404, "RESOURCE_NOT_EXISTS", "退款单不存在")));

        var sim = app.MapGroup("/sim/pay");
        sim.MapGet("/orders", (SimulatedPay pay) => pay.Orders.Values.Select(o => new { o.OutTradeNo, o.Description, o.Total, o.TradeState, o.OpenId }));
        sim.MapGet("/prepay/{prepayId}", (string prepayId, SimulatedPay pay) =>
            pay.ByPrepayId(prepayId) is { } order ? Results.Json(new { order.Description, order.Total, order.TradeState }) : Results.NotFound());
        sim.MapPost("/confirm", Confirm);
        sim.MapPost("/orders/{no}/notify", (string no, PayNotifier.Variant? variant, SimulatedPay pay, PayNotifier notifier) =>
        {
            if (!pay.Orders.TryGetValue(no, out var order) || order.TradeState != WeChatPayTradeState.Success)
            {
                return Results.Problem($"No paid order {no} at the simulated WeChat Pay.", statusCode: 404);
            }

            notifier.Paid(order, variant ?? PayNotifier.Variant.Duplicate);
            return Results.Accepted();
        });
    }

    /// <summary>What <c>getBrandWCPayRequest</c> does once the payer enters their password: checks paySign, pays, notifies.</summary>
    private static IResult Confirm(JsapiPayParameters request, string? variant, SimulatedPay pay, PayNotifier notifier)
    {
        const string Fail = "get_brand_wcpay_request:fail";
        var prepayId = request.Package is { } package && package.StartsWith("prepay_id=", StringComparison.Ordinal) ? package["prepay_id=".Length..] : null;
        if (!pay.Options.IsConfigured || prepayId is null || request.SignType != "RSA"
            || !pay.IsPaySignValid(request.AppId, request.TimeStamp, request.NonceStr, request.Package!, request.PaySign))
        {
            return Results.Json(new { err_msg = Fail, err_desc = "支付验证签名失败" });
        }

        if (pay.ByPrepayId(prepayId) is not { } order || order.AppId != request.AppId || order.TradeState != WeChatPayTradeState.NotPay)
        {
            return Results.Json(new { err_msg = Fail, err_desc = "订单不存在、已支付或已关闭" });
        }

        order.TradeState = WeChatPayTradeState.Success;
        order.TransactionId = "4200" + RandomNumberGenerator.GetString("0123456789", 24);
        order.PaidAt = DateTimeOffset.UtcNow;
        pay.Save();
        notifier.Paid(order, Enum.TryParse<PayNotifier.Variant>(variant, ignoreCase: true, out var chosen) ? chosen : PayNotifier.Variant.Normal);
        return Results.Json(new { err_msg = "get_brand_wcpay_request:ok" });
    }

    private static (int, JsonNode?) Prepay(SimulatedPay pay, JsonNode? json, string tradeType)
    {
        var outTradeNo = json?["out_trade_no"]?.GetValue<string>();
        var openId = json?["payer"]?["openid"]?.GetValue<string>();
        if (json is null || json["mchid"]?.GetValue<string>() != pay.Options.MchId || outTradeNo is null || json["appid"] is null || json["description"] is null
            || json["notify_url"] is null || json["amount"]?["total"] is null || (tradeType == "JSAPI" && openId is null))
        {
            return Error(400, "PARAM_ERROR", "参数错误：appid, mchid, description, out_trade_no, notify_url, amount.total（JSAPI 还要 payer.openid）");
        }

        var order = pay.Orders.GetOrAdd(outTradeNo, _ => new PayOrder
        {
            OutTradeNo = outTradeNo,
            AppId = json["appid"]!.GetValue<string>(),
            Description = json["description"]!.GetValue<string>(),
            Total = json["amount"]!["total"]!.GetValue<long>(),
            NotifyUrl = json["notify_url"]!.GetValue<string>(),
            TradeType = tradeType,
            OpenId = openId,
            Attach = json["attach"]?.GetValue<string>(),
        });
        if (order.TradeState != WeChatPayTradeState.NotPay)
        {
            return Error(400, order.TradeState == WeChatPayTradeState.Closed ? "ORDER_CLOSED" : "ORDERPAID", "订单已关闭或已支付");
        }

        order.PrepayId = "wx" + RandomNumberGenerator.GetHexString(32, lowercase: true);
        pay.Save();
        return (200, tradeType == "JSAPI"
            ? new JsonObject { ["prepay_id"] = order.PrepayId }
            : new JsonObject { ["code_url"] = "weixin://wxpay/bizpayurl?pr=" + order.PrepayId[2..12] });
    }

    private static async Task HandleAsync(HttpContext context, SimulatedPay pay, Func<JsonNode?, (int Status, JsonNode? Body)> handle)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var raw = buffer.ToArray();
        var target = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        (int Status, JsonNode? Body) answer;
        if (!pay.Options.IsConfigured)
        {
            answer = Error(503, "SYSTEM_ERROR", "the simulator has no WeChat Pay keys (the AppHost generates them)");
        }
        else if (!pay.IsSignedByMerchant(WeChatPayAuthorization.Parse(context.Request.Headers.Authorization), context.Request.Method, target, raw))
        {
            answer = Error(401, "SIGN_ERROR", "签名错误：Authorization 与请求不符，或商户号、时间戳不对");
        }
        else
        {
            try
            {
                answer = handle(raw.Length == 0 ? null : JsonNode.Parse(raw));
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or FormatException)
            {
                answer = Error(400, "PARAM_ERROR", "请求体不是合法的 JSON");
            }
        }

        var bytes = answer.Body is null ? [] : Encoding.UTF8.GetBytes(answer.Body.ToJsonString());
        context.Response.StatusCode = answer.Status;
        if (pay.Options.IsConfigured)
        {
            pay.Sign(bytes).WriteTo(context.Response.Headers);
        }

        if (bytes.Length > 0)
        {
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(bytes);
        }
    }

    private static (int, JsonNode?) Error(int status, string code, string message) =>
        (status, new JsonObject { ["code"] = code, ["message"] = message });
}
