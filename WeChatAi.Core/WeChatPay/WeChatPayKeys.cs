using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Options;

namespace WeChatAi.Core.WeChatPay;

/// <summary>
/// The merchant's signer, WeChat Pay's verifier and the APIv3 key, loaded once from <see cref="WeChatPayOptions"/> on
/// first use, so services that never pay start without them; using them while payments are off throws, naming the settings.
/// </summary>
public sealed class WeChatPayKeys : IDisposable
{
    public const string PublicKeyIdPrefix = "PUB_KEY_ID_";

    private readonly Lazy<(WeChatPaySigner Signer, WeChatPayVerifier Verifier, byte[] ApiV3Key)> _keys;

    public WeChatPayKeys(IOptions<WeChatPayOptions> options, TimeProvider time)
    {
        var settings = options.Value;
        _keys = new(() =>
        {
            if (!settings.IsConfigured)
            {
                throw new InvalidOperationException(
                    "WeChat Pay is not configured: set WeChatPay:MchId, MerchantSerialNo, MerchantPrivateKey, ApiV3Key, NotifyUrl and PublicKeyId + PublicKey (or PlatformCertificates).");
            }

            var signer = new WeChatPaySigner(settings.MchId!, settings.MerchantSerialNo!, LoadPrivateKey(settings.MerchantPrivateKey!, "WeChatPay:MerchantPrivateKey"));
            var verifier = new WeChatPayVerifier(LoadVerificationKeys(settings), time);
            return (signer, verifier, Encoding.UTF8.GetBytes(settings.ApiV3Key!));
        });
    }

    public WeChatPaySigner Signer => _keys.Value.Signer;

    public WeChatPayVerifier Verifier => _keys.Value.Verifier;

    internal byte[] ApiV3Key => _keys.Value.ApiV3Key;

    /// <summary>The text of a PEM setting: the value itself, or the file it names.</summary>
    public static string ReadPem(string value, string setting)
    {
        if (value.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            return value;
        }

        if (!File.Exists(value))
        {
            throw new ArgumentException($"{setting} is neither PEM text nor the path of an existing file.");
        }

        return File.ReadAllText(value);
    }

    /// <summary>An RSA private key (PKCS#8 <c>PRIVATE KEY</c> as the merchant platform issues it, or PKCS#1).</summary>
    public static RSA LoadPrivateKey(string value, string setting) => LoadRsa(value, setting, privateKey: true);

    /// <summary>An RSA public key (<c>PUBLIC KEY</c>).</summary>
    public static RSA LoadPublicKey(string value, string setting) => LoadRsa(value, setting, privateKey: false);

    /// <summary>The keys WeChat Pay may sign with, by the <c>Wechatpay-Serial</c> naming them.</summary>
    public static Dictionary<string, RSA> LoadVerificationKeys(WeChatPayOptions options)
    {
        var keys = new Dictionary<string, RSA>(StringComparer.OrdinalIgnoreCase);
        if (!string.IsNullOrWhiteSpace(options.PublicKeyId) && !string.IsNullOrWhiteSpace(options.PublicKey))
        {
            keys[options.PublicKeyId.Trim()] = LoadPublicKey(options.PublicKey, "WeChatPay:PublicKey");
        }

        if (!string.IsNullOrWhiteSpace(options.PlatformCertificates))
        {
            var collection = new X509Certificate2Collection();
            try
            {
                collection.ImportFromPem(ReadPem(options.PlatformCertificates, "WeChatPay:PlatformCertificates"));
            }
            catch (CryptographicException ex)
            {
                throw new ArgumentException("WeChatPay:PlatformCertificates holds no readable PEM certificate.", ex);
            }

            foreach (var certificate in collection)
            {
                keys[WeChatPayVerifier.NormalizeSerial(certificate.SerialNumber)] = certificate.GetRSAPublicKey()
                    ?? throw new ArgumentException("WeChatPay:PlatformCertificates holds a certificate without an RSA key.");
            }
        }

        return keys;
    }

    /// <summary>What is wrong with the key settings, for the options' validation (never the key material itself).</summary>
    internal static IEnumerable<string> LoadErrors(WeChatPayOptions options)
    {
        var errors = new List<string>();
        Try(() => { if (!string.IsNullOrWhiteSpace(options.MerchantPrivateKey)) LoadPrivateKey(options.MerchantPrivateKey, "WeChatPay:MerchantPrivateKey").Dispose(); });
        Try(() => { foreach (var key in LoadVerificationKeys(options).Values) key.Dispose(); });
        if (string.IsNullOrWhiteSpace(options.MerchantPrivateKey))
        {
            errors.Add("WeChat Pay is partly configured: WeChatPay:MerchantPrivateKey (apiclient_key.pem, text or path) must be set.");
        }

        return errors;

        void Try(Action load)
        {
            try
            {
                load();
            }
            catch (ArgumentException ex)
            {
                errors.Add(ex.Message);
            }
        }
    }

    public void Dispose()
    {
        if (!_keys.IsValueCreated)
        {
            return;
        }

        _keys.Value.Signer.Dispose();
        _keys.Value.Verifier.Dispose();
    }

    private static RSA LoadRsa(string value, string setting, bool privateKey)
    {
        var pem = ReadPem(value, setting);
        var what = privateKey ? "private key" : "public key";
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);

            // A public key where the private one belongs would only fail at the first payment.
            _ = rsa.ExportParameters(includePrivateParameters: privateKey);
            return rsa;
        }
        catch (ArgumentException ex)
        {
            rsa.Dispose();
            throw new ArgumentException($"{setting} holds no readable RSA {what} in PEM.", ex);
        }
        catch (CryptographicException ex)
        {
            rsa.Dispose();
            throw new ArgumentException($"{setting} holds no readable RSA {what} in PEM.", ex);
        }
    }
}
