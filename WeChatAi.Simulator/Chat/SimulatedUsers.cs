using System.Collections.Concurrent;
using System.Security.Cryptography;
using WeChatAi.Simulator.State;

namespace WeChatAi.Simulator.Chat;

public sealed record SimulatedUser(string OpenId, string Name, bool Following);

/// <summary>The followers of the simulated official account, kept in <c>users.json</c> of the data folder.</summary>
public sealed class SimulatedUsers
{
    private const string FileName = "users.json";
    private readonly ConcurrentDictionary<string, SimulatedUser> _users = new();
    private readonly StateFiles _files;

    public SimulatedUsers(StateFiles files)
    {
        _files = files;
        foreach (var user in files.Load<SimulatedUser[]>(FileName) ?? [])
        {
            _users[user.OpenId] = user;
        }
    }

    public IReadOnlyList<SimulatedUser> All => [.. _users.Values.OrderBy(u => u.Name, StringComparer.Ordinal)];

    public SimulatedUser Create(string? name)
    {
        // Real OpenIDs are 28 characters starting with "o"; keep the shape so length checks see realistic input.
        var openId = "o" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(20)).Replace('+', '-').Replace('/', '_')[..27];
        var user = new SimulatedUser(openId, string.IsNullOrWhiteSpace(name) ? $"用户{_users.Count + 1}" : name.Trim(), Following: false);
        _users[openId] = user;
        Save();
        return user;
    }

    public SimulatedUser? Find(string openId) => _users.GetValueOrDefault(openId);

    public void SetFollowing(string openId, bool following)
    {
        if (_users.TryGetValue(openId, out var user))
        {
            _users[openId] = user with { Following = following };
            Save();
        }
    }

    private void Save() => _files.Save(FileName, All);
}
