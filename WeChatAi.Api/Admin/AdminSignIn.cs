using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace WeChatAi.Api.Admin;

/// <summary>
/// The console's sign-in, checked by the API (the console holds no user store): <c>Admin:Users</c>' hashes and
/// <c>Admin:Password</c> (user <c>admin</c>). After <c>Admin:SignInMaxFailures</c> failures within the window, a name
/// (and, separately, the caller's address) is locked for <c>Admin:SignInLockSeconds</c>, even with the right password.
/// An unknown name is checked against a dummy hash, so it costs what a wrong password costs and answers the same.
/// Each operator has a stamp that changes with their password (<see cref="Operator"/>): the console keeps it in its
/// cookie and ends a session whose stamp is no longer the API's, as ASP.NET Core Identity's security stamp does.
/// </summary>
internal sealed class AdminSignIn(IOptions<AdminOptions> options, IConnectionMultiplexer redis, TimeProvider time)
{
    /// <summary>
    /// KEYS: [1] the name's failures, [2] the address's failures, [3] the name's lock, [4] the address's lock.
    /// ARGV: [1] <c>check</c> (the lock's remaining ms), <c>ok</c> (forget the name's failures) or <c>fail</c> (count one,
    /// lock what reached the limit; the lock's remaining ms), [2] the limit, [3] the window in ms, [4] the lock in ms.
    /// </summary>
    private const string Script = """
        local function locked()
          return math.max(redis.call('PTTL', KEYS[3]), redis.call('PTTL', KEYS[4]), 0)
        end
        if ARGV[1] == 'check' then
          return locked()
        end
        if ARGV[1] == 'ok' then
          redis.call('DEL', KEYS[1])
          return 0
        end
        for i = 1, 2 do
          local failures = redis.call('INCR', KEYS[i])
          if failures == 1 then
            redis.call('PEXPIRE', KEYS[i], ARGV[3])
          end
          if failures >= tonumber(ARGV[2]) then
            redis.call('SET', KEYS[i + 2], '1', 'PX', ARGV[4])
            redis.call('DEL', KEYS[i])
          end
        end
        return locked()
        """;

    private readonly Lazy<Dictionary<string, string>> _hashes = new(() => Hashes(options.Value));

    private readonly Lazy<Dictionary<string, (string Name, string Stamp)>> _operators = new(() => Operators(options.Value));

    // A hash of nothing anyone knows: an unknown name is verified against it.
    private readonly Lazy<string> _dummy = new(() => AdminPasswords.Hash(Convert.ToHexString(RandomNumberGenerator.GetBytes(16))));

    public bool HasUsers => options.Value.HasUsers;

    public async Task<SignInOutcome> SignInAsync(string name, string password, string address)
    {
        var settings = options.Value;
        var keys = Keys(name, address);
        var lockedMs = (long)await Run(keys, "check", settings);
        if (lockedMs > 0)
        {
            return SignInOutcome.Locked(time.GetUtcNow().AddMilliseconds(lockedMs));
        }

        var known = _hashes.Value.TryGetValue(name, out var hash);
        var verified = AdminPasswords.Verify(hash ?? _dummy.Value, password) && known;
        if (verified)
        {
            await Run(keys, "ok", settings);
            var (configured, stamp) = _operators.Value[name];
            return SignInOutcome.SignedIn(configured, stamp);
        }

        lockedMs = (long)await Run(keys, "fail", settings);
        return lockedMs > 0 ? SignInOutcome.Locked(time.GetUtcNow().AddMilliseconds(lockedMs)) : SignInOutcome.Failed;
    }

    /// <summary>The operator's name as configured and current stamp; null when no operator has that name (any more).</summary>
    public (string Name, string Stamp)? Operator(string name) => _operators.Value.TryGetValue(name, out var found) ? found : null;

    private Task<RedisResult> Run(RedisKey[] keys, string mode, AdminOptions settings) =>
        redis.GetDatabase().ScriptEvaluateAsync(Script, keys,
            [mode, settings.SignInMaxFailures, settings.SignInWindowSeconds * 1000L, settings.SignInLockSeconds * 1000L]);

    private static RedisKey[] Keys(string name, string address)
    {
        var user = name.Length > AdminOptions.MaxNameLength ? name[..AdminOptions.MaxNameLength] : name;
        user = user.ToUpperInvariant();
        return
        [
            $"wechatai:signin:failures:name:{user}",
            $"wechatai:signin:failures:ip:{address}",
            $"wechatai:signin:lock:name:{user}",
            $"wechatai:signin:lock:ip:{address}",
        ];
    }

    // Admin:Password is hashed once, at the first sign-in, so every name is verified the same way.
    private static Dictionary<string, string> Hashes(AdminOptions settings)
    {
        var hashes = settings.Users.ToDictionary(u => u.Name, u => u.PasswordHash, StringComparer.OrdinalIgnoreCase);
        if (!string.IsNullOrEmpty(settings.Password))
        {
            hashes[AdminOptions.PasswordUser] = AdminPasswords.Hash(settings.Password);
        }

        return hashes;
    }

    // A keyed hash of what the password is checked against: the same on every replica and after a restart, changed by a
    // new password or hash, and, keyed with Admin:ApiKey, no help in guessing Admin:Password.
    private static Dictionary<string, (string Name, string Stamp)> Operators(AdminOptions settings)
    {
        var operators = new Dictionary<string, (string Name, string Stamp)>(StringComparer.OrdinalIgnoreCase);
        if (!settings.HasUsers || settings.ApiKey is not { } key)
        {
            return operators;
        }

        foreach (var user in settings.Users)
        {
            operators[user.Name] = (user.Name, Stamp(key, user.Name, user.PasswordHash));
        }

        if (!string.IsNullOrEmpty(settings.Password))
        {
            operators[AdminOptions.PasswordUser] = (AdminOptions.PasswordUser, Stamp(key, AdminOptions.PasswordUser, settings.Password));
        }

        return operators;
    }

    private static string Stamp(string key, string name, string credential) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes($"{name.ToUpperInvariant()}\n{credential}")).AsSpan(0, 16));
}

/// <summary>What a sign-in attempt came to: the user's name as configured and stamp, or the end of the lock.</summary>
internal sealed record SignInOutcome(string? Name, string? Stamp, DateTimeOffset? LockedUntil)
{
    public static SignInOutcome Failed { get; } = new(null, null, null);

    public static SignInOutcome SignedIn(string name, string stamp) => new(name, stamp, null);

    public static SignInOutcome Locked(DateTimeOffset until) => new(null, null, until);
}
