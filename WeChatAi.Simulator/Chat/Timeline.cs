using System.Collections.Concurrent;
using System.Threading.Channels;

namespace WeChatAi.Simulator.Chat;

/// <summary>What the chat page shows: every message, reply, retry and push, per user, streamed as it happens.</summary>
public sealed record TimelineEntry(
    string OpenId,
    string Kind,
    string Text,
    long AtUnixMs,
    int? Attempt = null,
    int? DurationMs = null,
    string? Detail = null);

/// <summary>Kinds of <see cref="TimelineEntry"/>.</summary>
public static class TimelineKinds
{
    public const string User = "user";
    public const string Event = "event";

    /// <summary>The webhook took a message or event and answered <c>success</c>: nothing for the user to see.</summary>
    public const string Delivered = "delivered";
    public const string Reply = "reply";
    public const string Push = "push";
    public const string Retry = "retry";
    public const string Error = "error";
    public const string Typing = "typing";
}

/// <summary>Keeps recent entries per user and fans new ones out to every open page.</summary>
public sealed class Timeline(TimeProvider time)
{
    private const int EntriesPerUser = 200;
    private readonly ConcurrentDictionary<string, LinkedList<TimelineEntry>> _byUser = new();
    private readonly ConcurrentDictionary<Channel<TimelineEntry>, byte> _subscribers = new();

    public void Add(string openId, string kind, string text, int? attempt = null, int? durationMs = null, string? detail = null)
    {
        var entry = new TimelineEntry(openId, kind, text, time.GetUtcNow().ToUnixTimeMilliseconds(), attempt, durationMs, detail);
        var entries = _byUser.GetOrAdd(openId, _ => new LinkedList<TimelineEntry>());
        lock (entries)
        {
            entries.AddLast(entry);
            if (entries.Count > EntriesPerUser)
            {
                entries.RemoveFirst();
            }
        }

        foreach (var subscriber in _subscribers.Keys)
        {
            subscriber.Writer.TryWrite(entry);
        }
    }

    public IReadOnlyList<TimelineEntry> For(string openId)
    {
        if (!_byUser.TryGetValue(openId, out var entries))
        {
            return [];
        }

        lock (entries)
        {
            return [.. entries];
        }
    }

    /// <summary>New entries from now on, until the page goes away.</summary>
    public async IAsyncEnumerable<TimelineEntry> WatchAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // A slow page drops its oldest entries rather than holding memory for ever.
        var channel = Channel.CreateBounded<TimelineEntry>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });
        _subscribers.TryAdd(channel, 0);
        try
        {
            await foreach (var entry in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return entry;
            }
        }
        finally
        {
            _subscribers.TryRemove(channel, out _);
        }
    }
}
