using System.Security.Cryptography;

namespace WeChatAi.AppHost.Simulation;

/// <summary>
/// A throw-away official account identity for one run with the simulator: both sides get the same values, so
/// signatures, encryption and token checks run for real, and nothing secret is ever stored.
/// </summary>
public sealed record SimulatedAccount(string Token, string AppId, string AppSecret, string EncodingAesKey)
{
    public static SimulatedAccount Create() => new(
        Token: Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
        AppId: "wx" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
        AppSecret: Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
        // 32 random bytes are 44 base64 characters ending in one '='; WeChat's key is those 43 characters.
        EncodingAesKey: Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))[..43]);
}
