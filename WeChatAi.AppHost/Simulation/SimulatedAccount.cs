using System.Security.Cryptography;

namespace WeChatAi.AppHost.Simulation;

/// <summary>
/// A made-up official account identity for the simulator: both sides get the same values, so signatures, encryption
/// and token checks run for real. Made once per data folder in local mode (<see cref="SimulatorState"/>), per run otherwise.
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
