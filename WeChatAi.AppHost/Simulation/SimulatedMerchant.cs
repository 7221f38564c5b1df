using System.Security.Cryptography;

namespace WeChatAi.AppHost.Simulation;

/// <summary>
/// A throw-away WeChat Pay merchant for one run with the simulator: the merchant key pair and the WeChat Pay key pair
/// are generated at start; the API gets the merchant private key and the pay public key, the simulator the other
/// halves, so every signature is checked for real. Nothing is logged or stored.
/// </summary>
public sealed record SimulatedMerchant(
    string MchId, string MerchantSerialNo, string MerchantPrivateKey, string MerchantPublicKey,
    string PublicKeyId, string PayPrivateKey, string PayPublicKey, string ApiV3Key)
{
    public static SimulatedMerchant Create()
    {
        using var merchant = RSA.Create(2048);
        using var pay = RSA.Create(2048);
        return new(
            MchId: "19" + RandomNumberGenerator.GetString("0123456789", 8),
            MerchantSerialNo: RandomNumberGenerator.GetHexString(40),
            MerchantPrivateKey: merchant.ExportPkcs8PrivateKeyPem(),
            MerchantPublicKey: merchant.ExportSubjectPublicKeyInfoPem(),
            PublicKeyId: "PUB_KEY_ID_01" + RandomNumberGenerator.GetString("0123456789", 30),
            PayPrivateKey: pay.ExportPkcs8PrivateKeyPem(),
            PayPublicKey: pay.ExportSubjectPublicKeyInfoPem(),
            ApiV3Key: RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 32));
    }
}
