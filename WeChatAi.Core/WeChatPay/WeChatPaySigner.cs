using System.Security.Cryptography;
using System.Text;

namespace WeChatAi.Core.WeChatPay;

/// <summary>
/// The merchant's side of <c>WECHATPAY2-SHA256-RSA2048</c>: SHA256withRSA (PKCS#1 v1.5) with the merchant API private
/// key over lines that each end with <c>\n</c>, for request authorization and the JSAPI <c>paySign</c>.
/// </summary>
public sealed class WeChatPaySigner(string mchId, string serialNo, RSA privateKey) : IDisposable
{
    public string MchId { get; } = mchId;

    public string SerialNo { get; } = serialNo;

    /// <summary>Base64 of the signature of the UTF-8 message.</summary>
    public string Sign(string message) => WeChatPayRsa.Sign(privateKey, Encoding.UTF8.GetBytes(message));

    /// <summary>The <c>Authorization</c> header of a request: <c>METHOD\nPATH_WITH_QUERY\nTIMESTAMP\nNONCE\nBODY\n</c> signed.</summary>
    public string Authorize(string method, string pathAndQuery, string body, long timestamp, string nonce)
    {
        var ts = timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = Sign(WeChatPayRsa.Lines(method, pathAndQuery, ts, nonce, body));
        return new WeChatPayAuthorization(MchId, nonce, signature, ts, SerialNo).ToString();
    }

    /// <summary>What the page hands to <c>getBrandWCPayRequest</c>: <c>paySign</c> over <c>appId\ntimeStamp\nnonceStr\npackage\n</c>.</summary>
    public JsapiPayParameters JsapiPayParameters(string appId, string prepayId, long timestamp, string nonce)
    {
        var ts = timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var package = "prepay_id=" + prepayId;
        return new JsapiPayParameters(appId, ts, nonce, package, "RSA", Sign(WeChatPayRsa.Lines(appId, ts, nonce, package)));
    }

    public void Dispose() => privateKey.Dispose();
}

/// <summary>The argument of <c>WeixinJSBridge.invoke('getBrandWCPayRequest', …)</c>, serialized with these names.</summary>
public sealed record JsapiPayParameters(
    [property: System.Text.Json.Serialization.JsonPropertyName("appId")] string AppId,
    [property: System.Text.Json.Serialization.JsonPropertyName("timeStamp")] string TimeStamp,
    [property: System.Text.Json.Serialization.JsonPropertyName("nonceStr")] string NonceStr,
    [property: System.Text.Json.Serialization.JsonPropertyName("package")] string Package,
    [property: System.Text.Json.Serialization.JsonPropertyName("signType")] string SignType,
    [property: System.Text.Json.Serialization.JsonPropertyName("paySign")] string PaySign);
