using Microsoft.AspNetCore.Http;

namespace WeChatAi.Core.WeChatPay;

/// <summary>The four <c>Wechatpay-*</c> headers WeChat Pay signs a response or a notification with.</summary>
public sealed record WeChatPaySignatureHeaders(string? Timestamp, string? Nonce, string? Serial, string? Signature)
{
    public const string TimestampHeader = "Wechatpay-Timestamp";
    public const string NonceHeader = "Wechatpay-Nonce";
    public const string SerialHeader = "Wechatpay-Serial";
    public const string SignatureHeader = "Wechatpay-Signature";

    public static WeChatPaySignatureHeaders From(IHeaderDictionary headers) => new(
        First(headers[TimestampHeader]), First(headers[NonceHeader]), First(headers[SerialHeader]), First(headers[SignatureHeader]));

    public static WeChatPaySignatureHeaders From(HttpResponseMessage response) => new(
        First(response, TimestampHeader), First(response, NonceHeader), First(response, SerialHeader), First(response, SignatureHeader));

    /// <summary>WeChat Pay's side: signs a body (the simulator and tests play WeChat Pay).</summary>
    public static WeChatPaySignatureHeaders Sign(System.Security.Cryptography.RSA privateKey, string serial, long timestamp, string nonce, ReadOnlySpan<byte> body)
    {
        var ts = timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new(ts, nonce, serial, WeChatPayRsa.Sign(privateKey, WeChatPayRsa.ResponseMessage(ts, nonce, body)));
    }

    /// <summary>Sets them on a response or a notification request (the simulator and tests play WeChat Pay).</summary>
    public void WriteTo(IHeaderDictionary headers)
    {
        headers[TimestampHeader] = Timestamp;
        headers[NonceHeader] = Nonce;
        headers[SerialHeader] = Serial;
        headers[SignatureHeader] = Signature;
    }

    /// <summary>Sets them on a notification WeChat Pay posts (the simulator and tests play WeChat Pay).</summary>
    public void WriteTo(System.Net.Http.Headers.HttpHeaders headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        headers.TryAddWithoutValidation(TimestampHeader, Timestamp);
        headers.TryAddWithoutValidation(NonceHeader, Nonce);
        headers.TryAddWithoutValidation(SerialHeader, Serial);
        headers.TryAddWithoutValidation(SignatureHeader, Signature);
    }

    private static string? First(Microsoft.Extensions.Primitives.StringValues values) => values.Count == 0 ? null : values[0];

    private static string? First(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
