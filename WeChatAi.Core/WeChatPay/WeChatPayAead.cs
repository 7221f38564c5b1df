using System.Security.Cryptography;
using System.Text;

namespace WeChatAi.Core.WeChatPay;

/// <summary>
/// AEAD_AES_256_GCM of notification resources: key = the APIv3 key, nonce and associated data as UTF-8, ciphertext =
/// Base64 of the encrypted bytes followed by the 16-byte tag.
/// </summary>
public static class WeChatPayAead
{
    public const int KeyBytes = 32;
    private const int TagBytes = 16;

    public static string Decrypt(byte[] key, string associatedData, string nonce, string ciphertextBase64)
    {
        byte[] sealedBytes;
        try
        {
            sealedBytes = Convert.FromBase64String(ciphertextBase64);
        }
        catch (FormatException ex)
        {
            throw new WeChatPayProtocolException("The resource ciphertext is not Base64.", ex);
        }

        if (sealedBytes.Length < TagBytes)
        {
            throw new WeChatPayProtocolException("The resource ciphertext is shorter than its tag.");
        }

        var cipher = sealedBytes.AsSpan(0, sealedBytes.Length - TagBytes);
        var plain = new byte[cipher.Length];
        try
        {
            using var aes = new AesGcm(key, TagBytes);
            aes.Decrypt(Encoding.UTF8.GetBytes(nonce), cipher, sealedBytes.AsSpan(cipher.Length), plain, Encoding.UTF8.GetBytes(associatedData));
        }
        catch (CryptographicException ex)
        {
            // A wrong WeChatPay:ApiV3Key, or bytes changed after signing.
            throw new WeChatPayProtocolException("The resource does not decrypt with WeChatPay:ApiV3Key (tag mismatch or bad nonce).", ex);
        }

        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>WeChat Pay's side (the simulator and tests play WeChat Pay).</summary>
    public static string Encrypt(byte[] key, string associatedData, string nonce, string plaintext)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[plain.Length + TagBytes];
        using var aes = new AesGcm(key, TagBytes);
        aes.Encrypt(Encoding.UTF8.GetBytes(nonce), plain, sealedBytes.AsSpan(0, plain.Length), sealedBytes.AsSpan(plain.Length), Encoding.UTF8.GetBytes(associatedData));
        return Convert.ToBase64String(sealedBytes);
    }
}
