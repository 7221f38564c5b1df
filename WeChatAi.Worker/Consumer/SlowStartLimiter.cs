using System.Threading.Channels;

namespace WeChatAi.Worker.Consumer;

/// <summary>
/// How many jobs run at once: starts at <c>initial</c> and grows by one with each job that completes while the limit
/// held work back, up to <c>max</c> (TCP-like slow start). A limit that is not reached does not grow, so a quiet spell
/// is not followed by an unbounded burst. A slot may also be taken on credit (<see cref="Take"/>): the limit is then
/// exceeded for a while and the next completions pay the credit back before any slot is free again.
/// </summary>
internal sealed class SlowStartLimiter
{
    // A free slot is an item in the channel: nothing to dispose, so a job may give its slot back whenever it ends.
    private readonly Channel<byte> _slots = Channel.CreateUnbounded<byte>();
    private readonly int _max;
    private int _limit;
    private int _credit;
    private volatile bool _saturated;

    public SlowStartLimiter(int initial, int max)
    {
        _max = max;
        _limit = Math.Min(initial, max);
        for (var i = 0; i < _limit; i++)
        {
            _slots.Writer.TryWrite(0);
        }
    }

    public int Limit => Volatile.Read(ref _limit);

    /// <summary>Slots free right now (a snapshot: only the consumer's loops take slots).</summary>
    public int Free => _slots.Reader.Count;

    public async ValueTask WaitAsync(CancellationToken cancellationToken) => await _slots.Reader.ReadAsync(cancellationToken);

    /// <summary>
    /// Takes a free slot, or one on credit when none is free: for work that must start now, as waiting for a slot
    /// could wait forever on jobs that wait for this very work (a user's later messages behind the earlier one).
    /// </summary>
    public void Take()
    {
        if (!_slots.Reader.TryRead(out _))
        {
            Interlocked.Increment(ref _credit);
        }
    }

    /// <summary>Slots taken on credit and not paid back yet.</summary>
    public int Credit => Volatile.Read(ref _credit);

    /// <summary>Gives back a slot that was taken but not used for a job.</summary>
    public void Return() => _slots.Writer.TryWrite(0);

    /// <summary>A read found <paramref name="found"/> jobs for <paramref name="free"/> free slots: all of them means more are waiting.</summary>
    public void NoteRead(int found, int free) => _saturated = found == free;

    /// <summary>A job ended: its slot comes back, with one more if the limit was what held work back; either pays credit first.</summary>
    public void Complete()
    {
        Release();
        if (Grow())
        {
            Release();
        }
    }

    private void Release()
    {
        while (true)
        {
            var credit = Volatile.Read(ref _credit);
            if (credit == 0)
            {
                _slots.Writer.TryWrite(0);
                return;
            }

            if (Interlocked.CompareExchange(ref _credit, credit - 1, credit) == credit)
            {
                return;
            }
        }
    }

    private bool Grow()
    {
        while (_saturated)
        {
            var limit = Volatile.Read(ref _limit);
            if (limit >= _max)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _limit, limit + 1, limit) == limit)
            {
                return true;
            }
        }

        return false;
    }
}
