using System.Security.Cryptography;
using System.Text;

namespace WeChatAi.Core.WeChatPay;

/// <summary>SHA256withRSA, PKCS#1 v1.5, Base64: the one signature scheme of API v3, in both directions.</summary>
public static class WeChatPayRsa
{
    public static string Sign(RSA privateKey, ReadOnlySpan<byte> message) =>
        Convert.ToBase64String(privateKey.SignData(message, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    /// <summary>False for a wrong signature and for one that is not Base64.</summary>
    public static bool Verify(RSA publicKey, ReadOnlySpan<byte> message, string signatureBase64)
    {
        var signature = new byte[signatureBase64.Length];
        return Convert.TryFromBase64String(signatureBase64, signature, out var length)
            && publicKey.VerifyData(message, signature.AsSpan(0, length), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    /// <summary>The signed string: every line followed by <c>\n</c>, the last one too.</summary>
    public static string Lines(params ReadOnlySpan<string> lines)
    {
        var text = new StringBuilder();
        foreach (var line in lines)
        {
            text.Append(line).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The signed bytes of a response or notification: <c>timestamp\nnonce\nRAW_BODY\n</c>, the body untouched.</summary>
    public static byte[] ResponseMessage(string timestamp, string nonce, ReadOnlySpan<byte> body)
    {
        var head = Encoding.UTF8.GetBytes(Lines(timestamp, nonce));
        var message = new byte[head.Length + body.Length + 1];
        head.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(head.Length));
        message[^1] = (byte)'\n';
        return message;
    }

    /// <summary>A 32-character nonce of letters and digits.</summary>
    public static string Nonce() =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 32);
}
