namespace WeChatAi.Api.HttpApi;

/// <summary>
/// One reading shared by every request for <c>duration</c>; concurrent requests after it expires wait for a single
/// refresh instead of each asking the stores.
/// </summary>
internal sealed class ShortCache<T>(TimeSpan duration, TimeProvider time) : IDisposable where T : class
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private T? _value;
    private DateTimeOffset _expires;

    /// <param name="read">Reads the figures as of the instant it is given.</param>
    public async Task<T> GetAsync(Func<DateTimeOffset, Task<T>> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(read);
        if (_value is { } fresh && time.GetUtcNow() < _expires)
        {
            return fresh;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_value is { } refreshed && time.GetUtcNow() < _expires)
            {
                return refreshed;
            }

            var value = await read(time.GetUtcNow());
            _value = value;
            _expires = time.GetUtcNow() + duration;
            return value;
        }
        finally
        {
            _refresh.Release();
        }
    }

    public void Dispose() => _refresh.Dispose();
}
