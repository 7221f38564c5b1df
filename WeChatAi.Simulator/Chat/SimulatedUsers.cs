using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace WeChatAi.Simulator.Chat;

public sealed record SimulatedUser(string OpenId, string Name, bool Following);

/// <summary>The followers of the simulated official account.</summary>
public sealed class SimulatedUsers
{
    private readonly ConcurrentDictionary<string, SimulatedUser> _users = new();

    public IReadOnlyList<SimulatedUser> All => [.. _users.Values.OrderBy(u => u.Name, StringComparer.Ordinal)];

    public SimulatedUser Create(string? name)
    {
        // Real OpenIDs are 28 characters starting with "o"; keep the shape so length checks see realistic input.
        var openId = "o" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(20)).Replace('+', '-').Replace('/', '_')[..27];
        var user = new SimulatedUser(openId, string.IsNullOrWhiteSpace(name) ? $"用户{_users.Count + 1}" : name.Trim(), Following: false);
        _users[openId] = user;
        return user;
    }

    public SimulatedUser? Find(string openId) => _users.GetValueOrDefault(openId);

    public void SetFollowing(string openId, bool following)
    {
        if (_users.TryGetValue(openId, out var user))
        {
            _users[openId] = user with { Following = following };
        }
    }
}
