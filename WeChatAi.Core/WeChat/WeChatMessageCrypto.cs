using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace WeChatAi.Core.WeChat;

/// <summary>
/// WXBizMsgCrypt "safe mode" message encryption: AES-256-CBC over
/// 16 random bytes + big-endian XML length + XML + AppId, PKCS#7-padded to 32 bytes.
/// </summary>
/// <remarks>
/// Decryption is not authenticated by itself: verify <c>msg_signature</c> with <see cref="WeChatSignature"/>
/// before calling <see cref="Decrypt"/>, so padding errors are never observable to an attacker.
/// Thread-safe; register as a singleton.
/// </remarks>
public sealed class WeChatMessageCrypto : IDisposable
{
    private const string KeySetting = "WeChat:EncodingAESKey";
    private const string PreviousKeySetting = "WeChat:PreviousEncodingAESKey";
    private const int EncodingAesKeyLength = 43;
    private const int KeyLength = 32;
    private const int IvLength = 16;
    private const int RandomLength = 16;
    private const int LengthPrefixLength = 4;

    // WeChat pads to 32 bytes (its key size), not the 16-byte AES block that PaddingMode.PKCS7 would use.
    private const int PadBlock = 32;

    private readonly byte[] _appId;
    private readonly AesKey _current;
    private readonly AesKey? _previous;

    /// <param name="previousEncodingAesKey">
    /// The key in use before the last rotation; messages WeChat encrypted with it still decrypt.
    /// </param>
    public WeChatMessageCrypto(string appId, string encodingAesKey, string? previousEncodingAesKey = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(appId);
        _appId = Encoding.UTF8.GetBytes(appId);
        _current = new AesKey(encodingAesKey, KeySetting, nameof(encodingAesKey));
        _previous = string.IsNullOrEmpty(previousEncodingAesKey)
            ? null
            : new AesKey(previousEncodingAesKey, PreviousKeySetting, nameof(previousEncodingAesKey));
    }

    /// <summary>Encrypts <paramref name="xml"/> with the current key; returns the base64 <c>Encrypt</c> value.</summary>
    public string Encrypt(string xml)
    {
        Span<byte> random = stackalloc byte[RandomLength];
        RandomNumberGenerator.Fill(random);
        return Encrypt(xml, random);
    }

    /// <summary>Deterministic form of <see cref="Encrypt(string)"/> for known-answer tests.</summary>
    internal string Encrypt(string xml, ReadOnlySpan<byte> random16)
    {
        ArgumentNullException.ThrowIfNull(xml);
        if (random16.Length != RandomLength)
        {
            throw new ArgumentException($"Exactly {RandomLength} random bytes are required.", nameof(random16));
        }

        int xmlLength = Encoding.UTF8.GetByteCount(xml);
        int unpadded = RandomLength + LengthPrefixLength + xmlLength + _appId.Length;
        int pad = PadBlock - (unpadded % PadBlock);
        int total = unpadded + pad;

        byte[] buffer = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            Span<byte> plain = buffer.AsSpan(0, total);
            random16.CopyTo(plain);
            BinaryPrimitives.WriteInt32BigEndian(plain[RandomLength..], xmlLength);
            int offset = RandomLength + LengthPrefixLength;
            offset += Encoding.UTF8.GetBytes(xml, plain[offset..]);
            _appId.CopyTo(plain[offset..]);
            plain[unpadded..].Fill((byte)pad);

            // CBC can encrypt in place, so the plaintext buffer doubles as the ciphertext buffer.
            _current.Aes.EncryptCbc(plain, _current.Iv, plain, PaddingMode.None);
            return Convert.ToBase64String(plain);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }

    /// <summary>Decrypts a base64 <c>Encrypt</c> value and returns the XML it carries.</summary>
    /// <exception cref="WeChatProtocolException">The value is not valid ciphertext for this AppId and key(s).</exception>
    public string Decrypt(string encryptBase64)
    {
        ArgumentNullException.ThrowIfNull(encryptBase64);

        int maxLength = encryptBase64.Length / 4 * 3 + 3;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(maxLength * 2);
        try
        {
            if (!Convert.TryFromBase64String(encryptBase64, buffer.AsSpan(0, maxLength), out int length))
            {
                throw new WeChatProtocolException("Encrypt is not valid base64.");
            }

            if (length == 0 || length % PadBlock != 0)
            {
                throw new WeChatProtocolException($"Encrypt is {length} bytes, not a positive multiple of {PadBlock}.");
            }

            // Decrypt out of place: the ciphertext is needed again if the previous key has to be tried.
            ReadOnlySpan<byte> cipher = buffer.AsSpan(0, length);
            Span<byte> plain = buffer.AsSpan(maxLength, length);
            string? error = TryDecrypt(_current, cipher, plain, out string? xml);
            if (error is not null && _previous is not null)
            {
                error = TryDecrypt(_previous, cipher, plain, out xml) is null
                    ? null
                    : error + " (the previous key did not match either)";
            }

            return error is null ? xml! : throw new WeChatProtocolException(error);
        }
        finally
        {
            // The buffer held user message text; don't leave it in the shared pool.
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }

    /// <summary>Encrypts a passive reply and wraps it in the signed envelope WeChat expects in safe mode.</summary>
    public string BuildEncryptedReply(string replyXml, string token, string timestamp, string nonce)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        ArgumentException.ThrowIfNullOrEmpty(timestamp);
        ArgumentException.ThrowIfNullOrEmpty(nonce);

        // TimeStamp is written without CDATA, so anything but digits could inject markup.
        if (timestamp.AsSpan().ContainsAnyExceptInRange('0', '9'))
        {
            throw new ArgumentException("The timestamp must contain only digits.", nameof(timestamp));
        }

        string encrypt = Encrypt(replyXml);
        string signature = WeChatSignature.Compute(token, timestamp, nonce, encrypt);
        return new StringBuilder(encrypt.Length + 200)
            .Append("<xml><Encrypt>").AppendCData(encrypt)
            .Append("</Encrypt><MsgSignature>").AppendCData(signature)
            .Append("</MsgSignature><TimeStamp>").Append(timestamp)
            .Append("</TimeStamp><Nonce>").AppendCData(nonce)
            .Append("</Nonce></xml>")
            .ToString();
    }

    public void Dispose()
    {
        _current.Aes.Dispose();
        _previous?.Aes.Dispose();
    }

    /// <returns>null on success, otherwise why the plaintext was rejected.</returns>
    private string? TryDecrypt(AesKey key, ReadOnlySpan<byte> cipher, Span<byte> plain, out string? xml)
    {
        xml = null;
        key.Aes.DecryptCbc(cipher, key.Iv, plain, PaddingMode.None);

        int pad = plain[^1];
        if (pad is < 1 or > PadBlock || plain[^pad..].ContainsAnyExcept((byte)pad))
        {
            return "Encrypt has invalid padding.";
        }

        ReadOnlySpan<byte> content = plain[RandomLength..^pad];
        if (content.Length < LengthPrefixLength)
        {
            return "Encrypt is too short to hold a message.";
        }

        uint xmlLength = BinaryPrimitives.ReadUInt32BigEndian(content);
        content = content[LengthPrefixLength..];
        if (xmlLength > (uint)content.Length)
        {
            return $"Encrypt declares a {xmlLength}-byte message but holds only {content.Length} bytes.";
        }

        if (!content[(int)xmlLength..].SequenceEqual(_appId))
        {
            return "AppId mismatch: the message was not encrypted for this official account.";
        }

        xml = Encoding.UTF8.GetString(content[..(int)xmlLength]);
        return null;
    }

    private sealed class AesKey
    {
        public AesKey(string encodingAesKey, string setting, string paramName)
        {
            Span<byte> key = stackalloc byte[KeyLength + 1];
            if (encodingAesKey is not { Length: EncodingAesKeyLength }
                || !Convert.TryFromBase64String(encodingAesKey + "=", key, out int written)
                || written != KeyLength)
            {
                throw new ArgumentException(
                    $"{setting} must be the {EncodingAesKeyLength}-character EncodingAESKey from the WeChat admin console.",
                    paramName);
            }

            Aes = Aes.Create();
            Aes.Key = key[..KeyLength].ToArray();
            Iv = key[..IvLength].ToArray();
        }

        public Aes Aes { get; }

        public byte[] Iv { get; }
    }
}
