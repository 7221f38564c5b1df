using System.Globalization;
using System.Security.Cryptography;

namespace WeChatAi.Core.WeChatPay;

/// <summary>
/// Checks what WeChat Pay signed (a response or a notification): <c>Wechatpay-Timestamp\nWechatpay-Nonce\nRAW_BODY\n</c>
/// with the key the <c>Wechatpay-Serial</c> names, the timestamp within five minutes, and the deliberate
/// <c>WECHATPAY/SIGNTEST/</c> probes refused like any bad signature.
/// </summary>
public sealed class WeChatPayVerifier(IReadOnlyDictionary<string, RSA> keys, TimeProvider time) : IDisposable
{
    public const int ToleranceSeconds = 300;
    public const string SignTestPrefix = "WECHATPAY/SIGNTEST/";

    private readonly Dictionary<string, RSA> _keys = keys.ToDictionary(pair => NormalizeSerial(pair.Key), pair => pair.Value, StringComparer.OrdinalIgnoreCase);

    /// <summary>Throws <see cref="WeChatPaySignatureException"/> unless WeChat Pay signed exactly these bytes just now.</summary>
    public void Verify(WeChatPaySignatureHeaders headers, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(headers.Timestamp) || string.IsNullOrEmpty(headers.Nonce) || string.IsNullOrEmpty(headers.Serial) || string.IsNullOrEmpty(headers.Signature))
        {
            throw new WeChatPaySignatureException("The Wechatpay-Timestamp, Wechatpay-Nonce, Wechatpay-Serial and Wechatpay-Signature headers are required (a proxy may strip them).");
        }

        if (headers.Signature.StartsWith(SignTestPrefix, StringComparison.Ordinal))
        {
            throw new WeChatPaySignatureException("A WECHATPAY/SIGNTEST/ probe: WeChat Pay checks that forged signatures are refused.");
        }

        if (!long.TryParse(headers.Timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp)
            || Math.Abs(time.GetUtcNow().ToUnixTimeSeconds() - timestamp) > ToleranceSeconds)
        {
            throw new WeChatPaySignatureException($"Wechatpay-Timestamp '{headers.Timestamp}' is not within {ToleranceSeconds} seconds of now.");
        }

        if (!_keys.TryGetValue(NormalizeSerial(headers.Serial), out var key))
        {
            throw new WeChatPaySignatureException($"Wechatpay-Serial '{headers.Serial}' names no configured key (WeChatPay:PublicKeyId / PlatformCertificates).");
        }

        if (!WeChatPayRsa.Verify(key, WeChatPayRsa.ResponseMessage(headers.Timestamp, headers.Nonce, body), headers.Signature))
        {
            throw new WeChatPaySignatureException("Wechatpay-Signature does not match the body.");
        }
    }

    /// <summary>Certificate serials compared as WeChat Pay writes them: hex, any case, no leading zeros.</summary>
    public static string NormalizeSerial(string serial) =>
        serial.StartsWith(WeChatPayKeys.PublicKeyIdPrefix, StringComparison.Ordinal) ? serial : serial.TrimStart('0');

    public void Dispose()
    {
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }
    }
}
