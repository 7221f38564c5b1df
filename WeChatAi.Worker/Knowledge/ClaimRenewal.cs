namespace WeChatAi.Worker.Knowledge;

/// <summary>
/// Keeps a PostgreSQL claim on a source alive while long work on it runs (a large source behind a slow provider): every
/// <c>every</c>, <c>renew</c> moves the claim's time on, so the lease only has to outlast a worker that died, not the
/// work. A renewal that fails (the store away) is skipped: the work's own write meets the same store.
/// </summary>
internal sealed class ClaimRenewal : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Task _loop;

    private ClaimRenewal(Func<CancellationToken, Task> renew, TimeSpan every, TimeProvider time, CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _loop = RenewAsync(renew, every, time, _stop.Token);
    }

    public static ClaimRenewal Start(Func<CancellationToken, Task> renew, TimeSpan every, TimeProvider time, CancellationToken cancellationToken) =>
        new(renew, every, time, cancellationToken);

    private static async Task RenewAsync(Func<CancellationToken, Task> renew, TimeSpan every, TimeProvider time, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, time, stop).ConfigureAwait(false);
                await renew(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A renewal that fails is tried again next time; the work it protects reports the store's failures.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
