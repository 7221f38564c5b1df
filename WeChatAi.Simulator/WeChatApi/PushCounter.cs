using System.Collections.Concurrent;

namespace WeChatAi.Simulator.WeChatApi;

/// <summary>Counts customer-service messages per user, so a burst can report answers received.</summary>
public sealed class PushCounter
{
    private readonly ConcurrentDictionary<string, int> _perUser = new();
    private long _total;

    public long Total => Interlocked.Read(ref _total);

    public void Record(string openId)
    {
        _perUser.AddOrUpdate(openId, 1, (_, count) => count + 1);
        Interlocked.Increment(ref _total);
    }

    public int For(string openId) => _perUser.GetValueOrDefault(openId);
}
