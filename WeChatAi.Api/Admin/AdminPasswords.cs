using System.Buffers.Binary;
using Microsoft.AspNetCore.Identity;

namespace WeChatAi.Api.Admin;

/// <summary>
/// The console's password hashes: ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/> (PBKDF2 with HMAC-SHA512,
/// a random salt per hash, version 3 format), part of the shared framework.
/// </summary>
internal static class AdminPasswords
{
    private static readonly PasswordHasher<AdminUserOptions> Hasher = new();

    private static readonly AdminUserOptions Nobody = new();

    public static string Hash(string password) => Hasher.HashPassword(Nobody, password);

    public static bool Verify(string hash, string password) =>
        Hasher.VerifyHashedPassword(Nobody, hash, password) != PasswordVerificationResult.Failed;

    /// <summary>
    /// The shape of a version 3 hash: marker 0x01, PRF, iteration count, salt length (all big-endian), the salt (at least
    /// 128 bits) and the subkey (at least 128 bits).
    /// </summary>
    public static bool IsHash(string? value)
    {
        var bytes = new byte[((value?.Length ?? 0) * 3 / 4) + 3];
        if (string.IsNullOrEmpty(value) || !Convert.TryFromBase64String(value, bytes, out var length) || length < 13 || bytes[0] != 0x01)
        {
            return false;
        }

        var prf = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(1));
        var iterations = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(5));
        var saltLength = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(9));
        return prf <= 2 && iterations > 0 && saltLength >= 16 && length - 13 - saltLength >= 16;
    }
}
