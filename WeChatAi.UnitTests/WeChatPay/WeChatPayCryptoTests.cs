using System.Security.Cryptography;
using System.Text;
using WeChatAi.Core.WeChatPay;

namespace WeChatAi.UnitTests.WeChatPay;

/// <summary>Signer, paySign and AEAD on the official SDKs' vectors (<see cref="OfficialVectors"/>).</summary>
public sealed class WeChatPayCryptoTests
{
    [Fact]
    public void SignerReproducesTheSdkSignatureByteForByte()
    {
        using var signer = new WeChatPaySigner("1234567890", "F5765756002FDD77", WeChatPayKeys.LoadPrivateKey(OfficialVectors.PrivateKey, "test"));

        Assert.Equal(OfficialVectors.ExpectedSignature, signer.Sign(OfficialVectors.SignedMessage));
    }

    [Fact]
    public void TheSdkPublicKeyVerifiesTheSignatureAndNothingElse()
    {
        using var key = WeChatPayKeys.LoadPublicKey(OfficialVectors.PublicKey, "test");

        Assert.True(WeChatPayRsa.Verify(key, "source"u8, OfficialVectors.ExpectedSignature));
        Assert.False(WeChatPayRsa.Verify(key, "wrong source"u8, OfficialVectors.ExpectedSignature));
        Assert.False(WeChatPayRsa.Verify(key, "source"u8, "invalid base64 signature"));
        Assert.False(WeChatPayRsa.Verify(key, "source"u8, ""));
    }

    [Fact]
    public void AuthorizationSignsMethodPathTimestampNonceAndBodyEachEndingWithNewline()
    {
        using var signer = new WeChatPaySigner("1900009191", "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C", WeChatPayKeys.LoadPrivateKey(OfficialVectors.PrivateKey, "test"));
        const string Body = "{\"mchid\":\"1900009191\"}";

        var header = signer.Authorize("POST", "/v3/pay/transactions/jsapi", Body, 1554208460, "593BEC0C930BF1AFEB40B4A08C8FB242");

        Assert.StartsWith("WECHATPAY2-SHA256-RSA2048 mchid=\"1900009191\",nonce_str=\"593BEC0C930BF1AFEB40B4A08C8FB242\",signature=\"", header, StringComparison.Ordinal);
        Assert.EndsWith("\",timestamp=\"1554208460\",serial_no=\"1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C\"", header, StringComparison.Ordinal);
        var parsed = WeChatPayAuthorization.Parse(header)!;
        Assert.Equal(signer.Sign("POST\n/v3/pay/transactions/jsapi\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n" + Body + "\n"), parsed.Signature);
        using var publicKey = WeChatPayKeys.LoadPublicKey(OfficialVectors.PublicKey, "test");
        Assert.True(parsed.IsValid(publicKey, "POST", "/v3/pay/transactions/jsapi", Encoding.UTF8.GetBytes(Body)));
        Assert.False(parsed.IsValid(publicKey, "POST", "/v3/pay/transactions/native", Encoding.UTF8.GetBytes(Body)));
        Assert.False(parsed.IsValid(publicKey, "POST", "/v3/pay/transactions/jsapi", Encoding.UTF8.GetBytes(Body + " ")));
    }

    [Theory]
    [InlineData("Bearer x")]
    [InlineData("WECHATPAY2-SHA256-RSA2048 mchid=\"1\",nonce_str=\"n\",signature=\"s\",timestamp=\"1\"")]
    [InlineData("WECHATPAY2-SHA256-RSA2048 mchid=1,nonce_str=\"n\",signature=\"s\",timestamp=\"1\",serial_no=\"x\"")]
    [InlineData(null)]
    public void AuthorizationParseRefusesWhatIsNotOne(string? header)
    {
        Assert.Null(WeChatPayAuthorization.Parse(header));
    }

    [Fact]
    public void PaySignCoversAppIdTimeStampNonceAndPackageButNotSignType()
    {
        using var signer = new WeChatPaySigner("1900009191", "serial", WeChatPayKeys.LoadPrivateKey(OfficialVectors.PrivateKey, "test"));

        var pay = signer.JsapiPayParameters("wx8888888888888888", "wx201410272009395522657a690389285100", 1414561699, "5K8264ILTKCH16CQ2502SI8ZNMTM67VS");

        Assert.Equal("1414561699", pay.TimeStamp);
        Assert.Equal("prepay_id=wx201410272009395522657a690389285100", pay.Package);
        Assert.Equal("RSA", pay.SignType);
        using var publicKey = WeChatPayKeys.LoadPublicKey(OfficialVectors.PublicKey, "test");
        Assert.True(WeChatPayRsa.Verify(publicKey,
            "wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx201410272009395522657a690389285100\n"u8, pay.PaySign));
        var json = System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(pay))!.AsObject();
        Assert.Equal(["appId", "timeStamp", "nonceStr", "package", "signType", "paySign"], json.Select(property => property.Key));
        Assert.Equal(pay.PaySign, json["paySign"]!.GetValue<string>());
    }

    [Fact]
    public void AeadDecryptsAndEncryptsTheSdkVector()
    {
        var key = Encoding.UTF8.GetBytes(OfficialVectors.AeadKey);

        Assert.Equal(OfficialVectors.AeadPlaintext, WeChatPayAead.Decrypt(key, OfficialVectors.AeadAssociatedData, OfficialVectors.AeadNonce, OfficialVectors.AeadCiphertext));
        Assert.Equal(OfficialVectors.AeadCiphertext, WeChatPayAead.Encrypt(key, OfficialVectors.AeadAssociatedData, OfficialVectors.AeadNonce, OfficialVectors.AeadPlaintext));
    }

    [Fact]
    public void AeadRefusesAChangedCiphertextAssociatedDataOrKey()
    {
        var key = Encoding.UTF8.GetBytes(OfficialVectors.AeadKey);
        var sealedBytes = Convert.FromBase64String(OfficialVectors.AeadCiphertext);
        sealedBytes[0] ^= 1;

        Assert.Throws<WeChatPayProtocolException>(() => WeChatPayAead.Decrypt(key, OfficialVectors.AeadAssociatedData, OfficialVectors.AeadNonce, Convert.ToBase64String(sealedBytes)));
        Assert.Throws<WeChatPayProtocolException>(() => WeChatPayAead.Decrypt(key, "transaction", OfficialVectors.AeadNonce, OfficialVectors.AeadCiphertext));
        Assert.Throws<WeChatPayProtocolException>(() => WeChatPayAead.Decrypt(RandomNumberGenerator.GetBytes(32), OfficialVectors.AeadAssociatedData, OfficialVectors.AeadNonce, OfficialVectors.AeadCiphertext));
        Assert.Throws<WeChatPayProtocolException>(() => WeChatPayAead.Decrypt(key, OfficialVectors.AeadAssociatedData, OfficialVectors.AeadNonce, "not base64!"));
    }
}
