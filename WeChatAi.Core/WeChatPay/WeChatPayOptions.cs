using System.ComponentModel.DataAnnotations;
using System.Text;

namespace WeChatAi.Core.WeChatPay;

/// <summary>
/// The merchant account (section <c>WeChatPay</c>), from the merchant platform (pay.weixin.qq.com → 账户中心 → API安全).
/// Every credential absent means payments are off; one present means all are required.
/// </summary>
public sealed class WeChatPayOptions : IValidatableObject
{
    public const string Section = "WeChatPay";

    /// <summary>商户号, digits.</summary>
    public string? MchId { get; set; }

    /// <summary>The serial number of the merchant API certificate (商户API证书序列号), sent as <c>serial_no</c>.</summary>
    public string? MerchantSerialNo { get; set; }

    /// <summary>The merchant API private key (<c>apiclient_key.pem</c>): PEM text or the path of the file.</summary>
    public string? MerchantPrivateKey { get; set; }

    /// <summary>The WeChat Pay public key's id (<c>PUB_KEY_ID_…</c>), the <c>Wechatpay-Serial</c> of what it signs.</summary>
    public string? PublicKeyId { get; set; }

    /// <summary>The WeChat Pay public key (<c>pub_key.pem</c>): PEM text or the path of the file.</summary>
    public string? PublicKey { get; set; }

    /// <summary>
    /// Platform certificates (PEM text of one or more certificates, or a path), for merchants still on them or during
    /// the switch-over to the public key, when WeChat Pay signs with either.
    /// </summary>
    public string? PlatformCertificates { get; set; }

    /// <summary>The APIv3 key: 32 bytes, decrypts notifications.</summary>
    public string? ApiV3Key { get; set; }

    [Required(ErrorMessage = "WeChatPay:BaseUrl must be set.")]
    [Url(ErrorMessage = "WeChatPay:BaseUrl must be an absolute http(s) URL.")]
    public string BaseUrl { get; set; } = "https://api.mch.weixin.qq.com";

    /// <summary>Where WeChat Pay posts payment and refund results: our <c>/api/pay/notify</c>, reachable from the internet.</summary>
    public string? NotifyUrl { get; set; }

    /// <summary>A pending order older than this is queried by the reconciliation job (a notification may never come).</summary>
    [Range(1, 1_440, ErrorMessage = "WeChatPay:QueryAfterMinutes must be between 1 and 1440.")]
    public int QueryAfterMinutes { get; set; } = 5;

    /// <summary>How often the reconciliation job runs (one API replica at a time).</summary>
    [Range(1, 3_600, ErrorMessage = "WeChatPay:ReconcileIntervalSeconds must be between 1 and 3600.")]
    public int ReconcileIntervalSeconds { get; set; } = 60;

    /// <summary>Payments may be taken: the merchant credentials, a key to verify WeChat Pay and the notify URL are set.</summary>
    public bool IsConfigured =>
        !string.IsNullOrWhiteSpace(MchId) && !string.IsNullOrWhiteSpace(MerchantSerialNo) && !string.IsNullOrWhiteSpace(MerchantPrivateKey)
        && !string.IsNullOrEmpty(ApiV3Key) && !string.IsNullOrWhiteSpace(NotifyUrl)
        && ((!string.IsNullOrWhiteSpace(PublicKeyId) && !string.IsNullOrWhiteSpace(PublicKey)) || !string.IsNullOrWhiteSpace(PlatformCertificates));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        string?[] all = [MchId, MerchantSerialNo, MerchantPrivateKey, PublicKeyId, PublicKey, PlatformCertificates, ApiV3Key, NotifyUrl];
        if (all.All(string.IsNullOrWhiteSpace))
        {
            yield break;
        }

        const string Prefix = "WeChat Pay is partly configured: ";
        if (string.IsNullOrWhiteSpace(MchId) || !MchId.All(char.IsAsciiDigit))
        {
            yield return new ValidationResult(Prefix + "WeChatPay:MchId (商户号) must be set, digits only.");
        }

        if (string.IsNullOrWhiteSpace(MerchantSerialNo))
        {
            yield return new ValidationResult(Prefix + "WeChatPay:MerchantSerialNo (the merchant API certificate's serial) must be set.");
        }

        if (string.IsNullOrEmpty(ApiV3Key) || Encoding.UTF8.GetByteCount(ApiV3Key) != WeChatPayAead.KeyBytes)
        {
            yield return new ValidationResult(Prefix + "WeChatPay:ApiV3Key must be the 32-byte APIv3 key set in the merchant platform.");
        }

        if (!Uri.TryCreate(NotifyUrl, UriKind.Absolute, out var notify) || (notify.Scheme != Uri.UriSchemeHttps && notify.Scheme != Uri.UriSchemeHttp) || notify.Query.Length > 0)
        {
            yield return new ValidationResult(Prefix + "WeChatPay:NotifyUrl must be an absolute https URL without a query string (WeChat Pay drops parameters).");
        }

        if (!string.IsNullOrWhiteSpace(PublicKeyId) && !PublicKeyId.StartsWith(WeChatPayKeys.PublicKeyIdPrefix, StringComparison.Ordinal))
        {
            yield return new ValidationResult(Prefix + "WeChatPay:PublicKeyId must start with PUB_KEY_ID_ (商户平台 → API安全 → 微信支付公钥).");
        }

        if (string.IsNullOrWhiteSpace(PublicKeyId) != string.IsNullOrWhiteSpace(PublicKey))
        {
            yield return new ValidationResult(Prefix + "WeChatPay:PublicKeyId and WeChatPay:PublicKey go together.");
        }

        if (string.IsNullOrWhiteSpace(PublicKey) && string.IsNullOrWhiteSpace(PlatformCertificates))
        {
            yield return new ValidationResult(Prefix + "WeChatPay:PublicKeyId and WeChatPay:PublicKey (or WeChatPay:PlatformCertificates) must be set to verify WeChat Pay's signatures.");
        }

        foreach (var error in WeChatPayKeys.LoadErrors(this))
        {
            yield return new ValidationResult(error);
        }
    }
}
