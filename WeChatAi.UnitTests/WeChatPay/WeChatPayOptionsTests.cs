using System.ComponentModel.DataAnnotations;
using WeChatAi.Core.WeChatPay;

namespace WeChatAi.UnitTests.WeChatPay;

public sealed class WeChatPayOptionsTests
{
    private static WeChatPayOptions Complete() => new()
    {
        MchId = "1900000109",
        MerchantSerialNo = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
        MerchantPrivateKey = OfficialVectors.PrivateKey,
        PublicKeyId = "PUB_KEY_ID_0119000001092025120100000000000001",
        PublicKey = OfficialVectors.PublicKey,
        ApiV3Key = "0123456789abcdefABCDEF0123456789",
        NotifyUrl = "https://pay.example.com/api/pay/notify",
    };

    [Fact]
    public void NothingSetMeansPaymentsOffAndValid()
    {
        var options = new WeChatPayOptions();

        Assert.Empty(Validate(options));
        Assert.False(options.IsConfigured);
    }

    [Fact]
    public void CompleteSettingsAreValidAndConfigured()
    {
        var options = Complete();

        Assert.Empty(Validate(options));
        Assert.True(options.IsConfigured);
    }

    [Fact]
    public void PlatformCertificatesAloneVerifyWeChatPay()
    {
        var options = Complete();
        options.PublicKeyId = null;
        options.PublicKey = null;
        options.PlatformCertificates = OfficialVectors.NotifyCertificate;

        Assert.Empty(Validate(options));
        Assert.True(options.IsConfigured);
    }

    [Theory]
    [InlineData(nameof(WeChatPayOptions.MchId), "abc", "WeChatPay:MchId")]
    [InlineData(nameof(WeChatPayOptions.MerchantSerialNo), "", "WeChatPay:MerchantSerialNo")]
    [InlineData(nameof(WeChatPayOptions.MerchantPrivateKey), "", "WeChatPay:MerchantPrivateKey")]
    [InlineData(nameof(WeChatPayOptions.MerchantPrivateKey), "/no/such/apiclient_key.pem", "WeChatPay:MerchantPrivateKey")]
    [InlineData(nameof(WeChatPayOptions.ApiV3Key), "too-short", "WeChatPay:ApiV3Key")]
    [InlineData(nameof(WeChatPayOptions.PublicKeyId), "F5765756002FDD77", "WeChatPay:PublicKeyId")]
    [InlineData(nameof(WeChatPayOptions.PublicKey), "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "WeChatPay:PublicKey")]
    [InlineData(nameof(WeChatPayOptions.NotifyUrl), "/api/pay/notify", "WeChatPay:NotifyUrl")]
    [InlineData(nameof(WeChatPayOptions.NotifyUrl), "https://pay.example.com/api/pay/notify?x=1", "WeChatPay:NotifyUrl")]
    public void AWrongSettingIsNamed(string property, string value, string setting)
    {
        var options = Complete();
        typeof(WeChatPayOptions).GetProperty(property)!.SetValue(options, value);

        var errors = Validate(options);

        Assert.Contains(errors, error => error.Contains(setting, StringComparison.Ordinal));
    }

    [Fact]
    public void APublicKeyWhereThePrivateKeyBelongsIsRefused()
    {
        var options = Complete();
        options.MerchantPrivateKey = OfficialVectors.PublicKey;

        Assert.Contains(Validate(options), error => error.Contains("WeChatPay:MerchantPrivateKey", StringComparison.Ordinal));
    }

    [Fact]
    public void KeysMayBeFilePaths()
    {
        var path = Path.Combine(Path.GetTempPath(), $"wechatpay-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, OfficialVectors.PrivateKey);
        try
        {
            var options = Complete();
            options.MerchantPrivateKey = path;

            Assert.Empty(Validate(options));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void UsingKeysWhilePaymentsAreOffNamesTheSettings()
    {
        using var keys = new WeChatPayKeys(Microsoft.Extensions.Options.Options.Create(new WeChatPayOptions()), TimeProvider.System);

        var error = Assert.Throws<InvalidOperationException>(() => keys.Signer);

        Assert.Contains("WeChatPay:MchId", error.Message, StringComparison.Ordinal);
    }

    private static List<string> Validate(WeChatPayOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(result => result.ErrorMessage ?? "").ToList();
    }
}
