using System.Security.Cryptography;

namespace WeChatAi.AppHost.Simulation;

/// <summary>
/// A made-up WeChat Pay merchant for the simulator: the merchant key pair and the WeChat Pay key pair are generated
/// (once per data folder in local mode, <see cref="SimulatorState"/>; per run otherwise); the API gets the merchant
/// private key and the pay public key, the simulator the other halves, so every signature is checked for real. Never logged.
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
