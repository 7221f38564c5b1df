using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Api.Admin;
using WeChatAi.Core.Redis;

namespace WeChatAi.Api.Operators;

/// <summary>
/// The console's sign-in, checked by the API (the console holds no user store): <c>Admin:Users</c>' hashes and
/// <c>Admin:Password</c> (user <c>admin</c>). Guessing is slowed per name and blocked per address: after
/// <c>Admin:SignInMaxFailures</c> failures a name takes one attempt at a time, each after a wait that doubles up to
/// <c>Admin:SignInMaxDelaySeconds</c>; an address with that many failures within the window is refused for
/// <c>Admin:SignInLockSeconds</c>. A name is never locked, so a stranger who knows it cannot keep its owner out, and an
/// address that signed in as that name before skips the name's wait (docs/security.md has the guesses per hour).
/// An unknown name is checked against a dummy hash, so it costs what a wrong password costs and answers the same.
/// Each operator has a stamp that changes with their password (<see cref="Operator"/>): the console keeps it in its
/// cookie and ends a session whose stamp is no longer the API's, as ASP.NET Core Identity's security stamp does.
/// </summary>
internal sealed class AdminSignIn(IOptions<AdminOptions> options, IConnectionMultiplexer redis, TimeProvider time)
{
    /// <summary>How long an address that signed in as a name skips that name's wait.</summary>
    private static readonly TimeSpan KnownAddressLifetime = TimeSpan.FromDays(30);

    private static readonly RedisScript<AttemptCall> Script = RedisScript.Load<AttemptCall>(typeof(AdminSignIn), "AdminSignIn.lua");

    private readonly Lazy<Dictionary<string, string>> _hashes = new(() => Hashes(options.Value));

    private readonly Lazy<Dictionary<string, (string Name, string Stamp)>> _operators = new(() => Operators(options.Value));

    // A hash of nothing anyone knows: an unknown name is verified against it.
    private readonly Lazy<string> _dummy = new(() => AdminPasswords.Hash(Convert.ToHexString(RandomNumberGenerator.GetBytes(16))));

    public bool HasUsers => options.Value.HasUsers;

    public async Task<SignInOutcome> SignInAsync(string name, string password, string address)
    {
        var settings = options.Value;
        var keys = KeysOf(name, address);
        if (Refusal(await Run(keys, "check", settings)) is { } refused)
        {
            return refused;
        }

        var known = _hashes.Value.TryGetValue(name, out var hash);
        var verified = AdminPasswords.Verify(hash ?? _dummy.Value, password) && known;
        if (verified)
        {
            await Run(keys, "ok", settings);
            var (configured, stamp) = _operators.Value[name];
            return SignInOutcome.SignedIn(configured, stamp);
        }

        return Refusal(await Run(keys, "fail", settings)) ?? SignInOutcome.Failed;
    }

    /// <summary>The operator's name as configured and current stamp; null when no operator has that name (any more).</summary>
    public (string Name, string Stamp)? Operator(string name) => _operators.Value.TryGetValue(name, out var found) ? found : null;

    private SignInOutcome? Refusal(RedisResult result)
    {
        var (state, ms) = ((long)result[0], (long)result[1]);
        var until = time.GetUtcNow().AddMilliseconds(ms);
        return state switch
        {
            1 => SignInOutcome.Locked(until),
            2 => SignInOutcome.Slowed(until),
            _ => null,
        };
    }

    private Task<RedisResult> Run(Keys keys, string mode, AdminOptions settings) =>
        Script.EvaluateAsync(redis.GetDatabase(), new AttemptCall(
            keys.NameFailures, keys.AddressFailures, keys.NameWait, keys.AddressBlock, keys.KnownAddress,
            mode, settings.SignInMaxFailures, settings.SignInWindowSeconds * 1000L, settings.SignInLockSeconds * 1000L,
            settings.SignInMaxDelaySeconds * 1000L, (long)KnownAddressLifetime.TotalMilliseconds));

    private static Keys KeysOf(string name, string address)
    {
        var user = name.Length > AdminOptions.MaxNameLength ? name[..AdminOptions.MaxNameLength] : name;
        user = user.ToUpperInvariant();
        return new(
            $"wechatai:{{signin}}:failures:name:{user}",
            $"wechatai:{{signin}}:failures:ip:{address}",
            $"wechatai:{{signin}}:wait:name:{user}",
            $"wechatai:{{signin}}:block:ip:{address}",
            $"wechatai:{{signin}}:known:{user}:{address}");
    }

    /// <summary>The keys of one name and address, all in the <c>{signin}</c> slot.</summary>
    private sealed record Keys(RedisKey NameFailures, RedisKey AddressFailures, RedisKey NameWait, RedisKey AddressBlock, RedisKey KnownAddress);

    /// <summary>
    /// An attempt's step (<c>check</c>, <c>ok</c> or <c>fail</c>) with the failures that slow a name and block an address,
    /// the window, the block and the longest wait, and how long a known address is remembered.
    /// </summary>
    private sealed record AttemptCall(
        RedisKey NameFailures, RedisKey AddressFailures, RedisKey NameWait, RedisKey AddressBlock, RedisKey KnownAddress,
        RedisValue Mode, RedisValue MaxFailures, RedisValue WindowMs, RedisValue BlockMs, RedisValue MaxWaitMs, RedisValue KnownAddressMs);

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

/// <summary>
/// What a sign-in attempt came to: the user's name as configured and stamp, the end of the address's block, or when the
/// name takes its next attempt.
/// </summary>
internal sealed record SignInOutcome(string? Name, string? Stamp, DateTimeOffset? LockedUntil, DateTimeOffset? RetryAt)
{
    public static SignInOutcome Failed { get; } = new(null, null, null, null);

    public static SignInOutcome SignedIn(string name, string stamp) => new(name, stamp, null, null);

    public static SignInOutcome Locked(DateTimeOffset until) => new(null, null, until, null);

    public static SignInOutcome Slowed(DateTimeOffset retryAt) => new(null, null, null, retryAt);
}
