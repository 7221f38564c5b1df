using StackExchange.Redis;

namespace WeChatAi.Core.Readiness;

/// <summary>
/// What every in-memory copy of PostgreSQL rows shares (keyword rules, live settings, the knowledge base): a counter in
/// Redis that each committed change bumps, and a reload, one at a time, whenever the counter differs from the one
/// loaded. The counter is read before the rows, so a change committed during a load bumps it again and the next check
/// reloads; the copy never settles on rows older than its version.
/// </summary>
public sealed class VersionedReload(IConnectionMultiplexer redis, string versionKey) : IDisposable
{
    private readonly SemaphoreSlim _reload = new(1, 1);

    private long _loaded = -1;

    /// <summary>The version loaded, or -1 before the first load that worked (the missing counter reads as 0).</summary>
    public long Loaded => Volatile.Read(ref _loaded);

    /// <summary>Runs <paramref name="load"/> with the stored version when it differs from <see cref="Loaded"/>; once it returns, that version is loaded.</summary>
    public async Task RefreshAsync(Func<long, CancellationToken, Task> load, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(load);
        var stored = (long?)await redis.GetDatabase().StringGetAsync(versionKey).ConfigureAwait(false) ?? 0;
        if (stored == Loaded)
        {
            return;
        }

        await _reload.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (stored != Loaded)
            {
                await load(stored, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _loaded, stored);
            }
        }
        finally
        {
            _reload.Release();
        }
    }

    /// <summary>After a change is committed: every process holding a copy reloads at its next check.</summary>
    public static Task BumpAsync(IConnectionMultiplexer redis, string versionKey)
    {
        ArgumentNullException.ThrowIfNull(redis);
        return redis.GetDatabase().StringIncrementAsync(versionKey);
    }

    public void Dispose() => _reload.Dispose();
}
