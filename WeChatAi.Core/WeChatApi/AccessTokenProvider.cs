using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Redis;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Core.WeChatApi;

/// <summary>
/// The account's access token, shared by every worker through Redis: fetched from <c>stable_token</c> by one instance at
/// a time (SET NX PX lock) before it expires; after WeChat rejects it, re-read, and forced at most once per
/// <see cref="WeChatOptions.ForceRefreshIntervalSeconds"/> across the cluster. One implementation for every
/// service that calls WeChat's API: the worker (pushes) and the API (menu publishing).
/// </summary>
public sealed partial class AccessTokenProvider(
    IConnectionMultiplexer redis,
    StableTokenClient api,
    IOptions<WeChatOptions> options,
    TimeProvider time,
    ILogger<AccessTokenProvider> logger)
{
    private static readonly TimeSpan LockTime = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan WaitForOther = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan LocalCacheTime = TimeSpan.FromSeconds(30);

    private static readonly RedisScript<ReleaseLockCall> ReleaseLockScript =
        RedisScript.Load<ReleaseLockCall>(typeof(AccessTokenProvider), "AccessTokenProvider.ReleaseLock.lua");

    private readonly Lock _sync = new();
    private volatile CachedToken? _cached;
    private Task<string>? _loading;
    private Task<string>? _renewing;
    private string? _renewingFor;

    private string AppId => options.Value.AppId!;

    /// <summary>The token this process holds while it is fresh (null otherwise): for a caller that must neither wait nor fail.</summary>
    public string? Cached => _cached is { } cached && cached.Until > time.GetUtcNow() ? cached.Token : null;

    public Task<string> GetAsync(CancellationToken cancellationToken)
    {
        if (Cached is { } token)
        {
            return Task.FromResult(token);
        }

        // One load per process at a time: thousands of jobs finishing at once share it instead of each polling Redis.
        lock (_sync)
        {
            if (_loading is null || _loading.IsCompleted)
            {
                _loading = LoadAsync();
            }

            return _loading.WaitAsync(cancellationToken);
        }
    }

    /// <summary>WeChat said <paramref name="rejected"/> is invalid or expired: returns the token to try next.</summary>
    public Task<string> RenewAsync(string rejected, CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            if (_renewing is null || _renewing.IsCompleted || _renewingFor != rejected)
            {
                _renewingFor = rejected;
                _renewing = RenewCoreAsync(rejected);
            }

            return _renewing.WaitAsync(cancellationToken);
        }
    }

    private async Task<string> LoadAsync() =>
        await ReadSharedAsync() ?? await FetchAsync(forceRefresh: false, rejected: null, CancellationToken.None);

    private async Task<string> RenewCoreAsync(string rejected)
    {
        _cached = null;
        var shared = await ReadSharedAsync();
        if (shared is not null && shared != rejected)
        {
            return shared; // someone refreshed it meanwhile
        }

        var db = redis.GetDatabase();
        var interval = TimeSpan.FromSeconds(options.Value.ForceRefreshIntervalSeconds);
        if (await db.StringSetAsync(AccessTokenKeys.AccessTokenForced(AppId), time.GetUtcNow().ToUnixTimeMilliseconds(), interval, When.NotExists))
        {
            LogForcedRefresh(logger, AppId);
            return await FetchAsync(forceRefresh: true, rejected, CancellationToken.None);
        }

        // Another instance forced a refresh within the interval: use what it stored (or wait a moment for it).
        return await WaitForSharedAsync(rejected, CancellationToken.None) ?? rejected;
    }

    private async Task<string?> ReadSharedAsync()
    {
        var db = redis.GetDatabase();
        var value = await db.StringGetWithExpiryAsync(AccessTokenKeys.AccessToken(AppId));
        if (value.Value.IsNullOrEmpty)
        {
            return null;
        }

        var ttl = value.Expiry ?? LocalCacheTime;
        _cached = new CachedToken(value.Value.ToString(), time.GetUtcNow() + (ttl < LocalCacheTime ? ttl : LocalCacheTime));
        return value.Value.ToString();
    }

    private async Task<string> FetchAsync(bool forceRefresh, string? rejected, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var lockKey = AccessTokenKeys.AccessTokenLock(AppId);
        var lockValue = Guid.NewGuid().ToString("N");

        // Longer than the lock lives: a holder killed mid-fetch leaves its lock to expire, and then this one fetches.
        var deadline = time.GetUtcNow() + LockTime + WaitForOther;
        while (!await db.StringSetAsync(lockKey, lockValue, LockTime, When.NotExists))
        {
            if (await WaitForOtherFetchAsync(db, lockKey, rejected, deadline, cancellationToken) is { } shared)
            {
                return shared;
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw new TimeoutException("Timed out waiting for another worker to fetch the WeChat access token.");
            }
        }

        try
        {
            if (!forceRefresh && await ReadSharedAsync() is { } existing)
            {
                return existing;
            }

            var token = await api.GetStableTokenAsync(forceRefresh, cancellationToken);

            // stable_token hands out a new token in the last 5 minutes of the old one's life: store it until then.
            var lifetime = TimeSpan.FromSeconds(token.ExpiresInSeconds > 600 ? token.ExpiresInSeconds - 300 : token.ExpiresInSeconds / 2.0);
            await db.StringSetAsync(AccessTokenKeys.AccessToken(AppId), token.AccessToken, lifetime < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : lifetime);
            _cached = new CachedToken(token.AccessToken, time.GetUtcNow() + (lifetime < LocalCacheTime ? lifetime : LocalCacheTime));
            LogFetched(logger, AppId, forceRefresh, token.ExpiresInSeconds);
            return token.AccessToken;
        }
        finally
        {
            await ReleaseLockScript.EvaluateAsync(db, new ReleaseLockCall(lockKey, lockValue));
        }
    }

    /// <summary>The token the lock's holder stored, or null once its lock is gone (released without a token, or expired) or the deadline passed.</summary>
    private async Task<string?> WaitForOtherFetchAsync(IDatabase db, RedisKey lockKey, string? rejected, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        while (time.GetUtcNow() < deadline)
        {
            if (await ReadSharedAsync() is { } shared && shared != rejected)
            {
                return shared;
            }

            if (!await db.KeyExistsAsync(lockKey))
            {
                return null;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
        }

        return null;
    }

    private async Task<string?> WaitForSharedAsync(string? rejected, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + WaitForOther;
        while (time.GetUtcNow() < deadline)
        {
            if (await ReadSharedAsync() is { } shared && shared != rejected)
            {
                return shared;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
        }

        return null;
    }

    private sealed record CachedToken(string Token, DateTimeOffset Until);

    /// <param name="Value">This fetch's lock value: the lock is released only if it is still ours.</param>
    private sealed record ReleaseLockCall(RedisKey Lock, string Value);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WeChat rejected the access token of {AppId}: forcing a refresh")]
    private static partial void LogForcedRefresh(ILogger logger, string appId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetched a WeChat access token for {AppId} (forced: {Forced}, expires in {ExpiresIn} s)")]
    private static partial void LogFetched(ILogger logger, string appId, bool forced, int expiresIn);
}
