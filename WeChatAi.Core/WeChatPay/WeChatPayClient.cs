using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace WeChatAi.Core.WeChatPay;

/// <summary>
/// WeChat Pay API v3 for one merchant: every request signed, every answer verified on its raw bytes before it is read.
/// Throws <see cref="WeChatPaySignatureException"/> (a forged or unsigned answer), <see cref="WeChatPayApiException"/>
/// (WeChat Pay said no) or <see cref="WeChatPayTransportException"/> (no answer: the outcome is unknown).
/// </summary>
public sealed partial class WeChatPayClient(HttpClient http, WeChatPayKeys keys, IOptions<WeChatPayOptions> options, TimeProvider time)
{
    private static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    private readonly WeChatPayOptions _options = options.Value;

    /// <summary>JSAPI order → <c>prepay_id</c> (valid 2 hours; the same parameters again give a new one).</summary>
    public async Task<string> JsapiPrepayAsync(JsapiPrepayRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(request.PayerOpenId);
        var body = Order(request.AppId, request.Description, request.OutTradeNo, request.Total, request.TimeExpire, request.Attach);
        body["payer"] = new JsonObject { ["openid"] = request.PayerOpenId };
        var answer = await SendAsync(HttpMethod.Post, "/v3/pay/transactions/jsapi", body.ToJsonString(), cancellationToken).ConfigureAwait(false);
        return Field(answer, "prepay_id");
    }

    /// <summary>Native order → <c>code_url</c> (<c>weixin://wxpay/bizpayurl?pr=…</c>, to show as a QR code).</summary>
    public async Task<string> NativePrepayAsync(NativePrepayRequest request, CancellationToken cancellationToken = default)
    {
        var body = Order(request.AppId, request.Description, request.OutTradeNo, request.Total, request.TimeExpire, request.Attach);
        var answer = await SendAsync(HttpMethod.Post, "/v3/pay/transactions/native", body.ToJsonString(), cancellationToken).ConfigureAwait(false);
        return Field(answer, "code_url");
    }

    /// <summary>The JSAPI page's <c>getBrandWCPayRequest</c> argument, signed with the merchant key.</summary>
    public JsapiPayParameters CreateJsapiPayParameters(string appId, string prepayId) =>
        keys.Signer.JsapiPayParameters(appId, prepayId, time.GetUtcNow().ToUnixTimeSeconds(), WeChatPayRsa.Nonce());

    /// <summary>The order's state; the only query that also answers for unpaid orders. 404 ORDER_NOT_EXIST when WeChat Pay never saw it.</summary>
    public async Task<WeChatPayTransaction> QueryByOutTradeNoAsync(string outTradeNo, CancellationToken cancellationToken = default)
    {
        CheckOutNo(outTradeNo, nameof(outTradeNo));
        var answer = await SendAsync(HttpMethod.Get, $"/v3/pay/transactions/out-trade-no/{Uri.EscapeDataString(outTradeNo)}?mchid={Uri.EscapeDataString(keys.Signer.MchId)}", null, cancellationToken).ConfigureAwait(false);
        return WeChatPayNotifications.Deserialize<WeChatPayTransaction>(answer, "transaction");
    }

    /// <summary>Closes an unpaid order (204); it can no longer be paid.</summary>
    public async Task CloseAsync(string outTradeNo, CancellationToken cancellationToken = default)
    {
        CheckOutNo(outTradeNo, nameof(outTradeNo));
        var body = new JsonObject { ["mchid"] = keys.Signer.MchId };
        await SendAsync(HttpMethod.Post, $"/v3/pay/transactions/out-trade-no/{Uri.EscapeDataString(outTradeNo)}/close", body.ToJsonString(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks for a refund. Success only means accepted: the result is <see cref="WeChatPayRefund.State"/>, then a notification.</summary>
    public async Task<WeChatPayRefund> RefundAsync(WeChatPayRefundRequest request, CancellationToken cancellationToken = default)
    {
        CheckOutNo(request.OutTradeNo, nameof(request.OutTradeNo));
        CheckOutNo(request.OutRefundNo, nameof(request.OutRefundNo), max: 64);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(request.Refund);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(request.Refund, request.Total);
        var body = new JsonObject
        {
            ["out_trade_no"] = request.OutTradeNo,
            ["out_refund_no"] = request.OutRefundNo,
            ["notify_url"] = NotifyUrl(),
            ["amount"] = new JsonObject { ["refund"] = request.Refund, ["total"] = request.Total, ["currency"] = "CNY" },
        };
        if (!string.IsNullOrEmpty(request.Reason))
        {
            body["reason"] = request.Reason;
        }

        var answer = await SendAsync(HttpMethod.Post, "/v3/refund/domestic/refunds", body.ToJsonString(), cancellationToken).ConfigureAwait(false);
        return WeChatPayNotifications.Deserialize<WeChatPayRefund>(answer, "refund");
    }

    public async Task<WeChatPayRefund> QueryRefundAsync(string outRefundNo, CancellationToken cancellationToken = default)
    {
        CheckOutNo(outRefundNo, nameof(outRefundNo), max: 64);
        var answer = await SendAsync(HttpMethod.Get, $"/v3/refund/domestic/refunds/{Uri.EscapeDataString(outRefundNo)}", null, cancellationToken).ConfigureAwait(false);
        return WeChatPayNotifications.Deserialize<WeChatPayRefund>(answer, "refund");
    }

    private JsonObject Order(string appId, string description, string outTradeNo, long total, DateTimeOffset? timeExpire, string? attach)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(appId);
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(description.Length, 127, nameof(description));
        CheckOutNo(outTradeNo, nameof(outTradeNo));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(total);
        var body = new JsonObject
        {
            ["appid"] = appId,
            ["mchid"] = keys.Signer.MchId,
            ["description"] = description,
            ["out_trade_no"] = outTradeNo,
            ["notify_url"] = NotifyUrl(),
            ["amount"] = new JsonObject { ["total"] = total, ["currency"] = "CNY" },
        };
        if (timeExpire is { } expire)
        {
            // RFC 3339 with the +08:00 offset WeChat Pay writes its own times in.
            body["time_expire"] = expire.ToOffset(ChinaOffset).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        }

        if (!string.IsNullOrEmpty(attach))
        {
            body["attach"] = attach;
        }

        return body;
    }

    private string NotifyUrl() => _options.NotifyUrl ?? throw new InvalidOperationException("WeChatPay:NotifyUrl must be set.");

    private async Task<byte[]> SendAsync(HttpMethod method, string pathAndQuery, string? body, CancellationToken cancellationToken)
    {
        var uri = new Uri(http.BaseAddress ?? new Uri(_options.BaseUrl), pathAndQuery);
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.TryAddWithoutValidation("Authorization",
            keys.Signer.Authorize(method.Method, uri.PathAndQuery, body ?? "", time.GetUtcNow().ToUnixTimeSeconds(), WeChatPayRsa.Nonce()));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("WeChatAi", "1.0"));
        if (!string.IsNullOrWhiteSpace(_options.PublicKeyId))
        {
            // Asks for answers signed with the WeChat Pay public key rather than a platform certificate.
            request.Headers.TryAddWithoutValidation(WeChatPaySignatureHeaders.SerialHeader, _options.PublicKeyId);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        byte[] answer;
        HttpStatusCode status;
        WeChatPaySignatureHeaders signature;
        try
        {
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            answer = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            status = response.StatusCode;
            signature = WeChatPaySignatureHeaders.From(response);
        }
        catch (HttpRequestException ex)
        {
            throw new WeChatPayTransportException($"WeChat Pay could not be reached ({method} {uri.AbsolutePath}): {ex.Message}", ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new WeChatPayTransportException($"WeChat Pay did not answer in time ({method} {uri.AbsolutePath}).", ex);
        }

        if ((int)status is >= 200 and < 300)
        {
            // Unsigned or badly signed success is forged (or rewritten on the way): never act on it.
            keys.Verifier.Verify(signature, answer);
            return answer;
        }

        throw ApiError(status, answer, signature);
    }

    private WeChatPayApiException ApiError(HttpStatusCode status, byte[] answer, WeChatPaySignatureHeaders signature)
    {
        bool verified;
        try
        {
            keys.Verifier.Verify(signature, answer);
            verified = true;
        }
        catch (WeChatPaySignatureException)
        {
            // Gateways in front of WeChat Pay (502, 504) answer unsigned; the caller only may not act on the code.
            verified = false;
        }

        string? code = null, message = null;
        try
        {
            var error = JsonNode.Parse(answer);
            code = error?["code"]?.GetValue<string>();
            message = error?["message"]?.GetValue<string>();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            message = Encoding.UTF8.GetString(answer.AsSpan(0, Math.Min(answer.Length, 200)));
        }

        return new WeChatPayApiException(status, code, message, verified);
    }

    private static string Field(byte[] answer, string name)
    {
        var value = WeChatPayNotifications.Deserialize<JsonObject>(answer, "answer")[name];
        return value?.GetValueKind() == JsonValueKind.String ? value.GetValue<string>()
            : throw new WeChatPayProtocolException($"WeChat Pay's answer lacks {name}.");
    }

    private static void CheckOutNo(string value, string name, int max = 32)
    {
        if (value is null || value.Length < 6 || value.Length > max || !OutNoPattern().IsMatch(value))
        {
            throw new ArgumentException($"{name} must be 6–{max} letters, digits or _-|*.", name);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_\\-|*]+$")]
    private static partial Regex OutNoPattern();
}
