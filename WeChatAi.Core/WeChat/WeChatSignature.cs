using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace WeChatAi.Core.WeChat;

/// <summary>
/// WeChat request signatures: lowercase hex SHA1 of the parts sorted ordinally and concatenated.
/// Used for <c>signature</c> (token, timestamp, nonce) and <c>msg_signature</c> (token, timestamp, nonce, Encrypt).
/// </summary>
[SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "The WeChat protocol defines these signatures as SHA1.")]
public static class WeChatSignature
{
    private const int HexLength = SHA1.HashSizeInBytes * 2;

    // Above this the concatenation (usually a long Encrypt value) is rented rather than put on the stack.
    private const int StackBufferLimit = 512;

    public static string Compute(params ReadOnlySpan<string> parts)
    {
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        Hash(parts, hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>Constant-time check of <paramref name="signature"/> (hex, any case) against the parts.</summary>
    public static bool IsValid(string? signature, params ReadOnlySpan<string> parts)
    {
        if (signature is not { Length: HexLength })
        {
            return false;
        }

        Span<byte> given = stackalloc byte[SHA1.HashSizeInBytes];
        if (Convert.FromHexString(signature, given, out _, out _) != OperationStatus.Done)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[SHA1.HashSizeInBytes];
        Hash(parts, expected);
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    private static void Hash(ReadOnlySpan<string> parts, Span<byte> destination)
    {
        // Parts are only ever 3 or 4 strings, so an insertion sort of indexes beats renting an array to sort.
        Span<int> order = parts.Length <= 16 ? stackalloc int[parts.Length] : new int[parts.Length];
        int byteCount = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(parts[i], nameof(parts));
            byteCount += Encoding.UTF8.GetByteCount(parts[i]);
            int j = i;
            for (; j > 0 && string.CompareOrdinal(parts[order[j - 1]], parts[i]) > 0; j--)
            {
                order[j] = order[j - 1];
            }

            order[j] = i;
        }

        byte[]? rented = null;
        Span<byte> buffer = byteCount <= StackBufferLimit
            ? stackalloc byte[StackBufferLimit]
            : rented = ArrayPool<byte>.Shared.Rent(byteCount);
        try
        {
            int written = 0;
            foreach (int index in order)
            {
                written += Encoding.UTF8.GetBytes(parts[index], buffer[written..]);
            }

            SHA1.HashData(buffer[..written], destination);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
