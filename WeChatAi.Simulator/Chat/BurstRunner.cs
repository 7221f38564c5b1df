using System.Diagnostics;
using WeChatAi.Simulator.WeChatApi;
using WeChatAi.Simulator.WeChatServer;

namespace WeChatAi.Simulator.Chat;

public sealed record BurstRequest(int Messages, int Users, int Concurrency = 32, bool SafeMode = true);

public sealed record BurstStatus(
    bool Running,
    int Messages,
    int Users,
    long Sent,
    long Acknowledged,
    long Failed,
    long Answered,
    double ElapsedSeconds,
    double SentPerSecond,
    double AnsweredPerSecond,
    int AckP50Ms,
    int AckP99Ms);

/// <summary>
/// A bounded load from the page: N messages from M users through the real webhook, counting immediate replies and
/// the answers pushed back. One burst at a time; it stops by itself.
/// </summary>
public sealed partial class BurstRunner(WebhookSender sender, PushCounter pushes, ILogger<BurstRunner> logger)
{
    public const int MaxMessages = 100_000;
    public const int MaxUsers = 10_000;
    public const int MaxConcurrency = 256;

    private readonly Lock _lock = new();
    private BurstRequest? _request;
    private Stopwatch _clock = new();
    private long _pushesAtStart;
    private TimeSpan? _sendingTook;
    private TimeSpan? _answeringTook;
    private long _sent;
    private long _acknowledged;
    private long _failed;
    private List<int> _ackMs = [];
    private Task _running = Task.CompletedTask;

    /// <summary>Starts a burst; returns an error message when the request is out of bounds or one is running.</summary>
    public string? TryStart(BurstRequest request)
    {
        if (request.Messages is < 1 or > MaxMessages || request.Users is < 1 or > MaxUsers || request.Concurrency is < 1 or > MaxConcurrency)
        {
            return $"messages must be 1..{MaxMessages}, users 1..{MaxUsers}, concurrency 1..{MaxConcurrency}";
        }

        lock (_lock)
        {
            if (!_running.IsCompleted)
            {
                return "a burst is already running";
            }

            _request = request;
            _sent = _acknowledged = _failed = 0;
            _sendingTook = _answeringTook = null;
            _ackMs = new List<int>(request.Messages);
            _pushesAtStart = pushes.Total;
            _clock = Stopwatch.StartNew();
            _running = Task.Run(() => RunAsync(request));
        }

        return null;
    }

    public BurstStatus Status()
    {
        lock (_lock)
        {
            var request = _request ?? new BurstRequest(0, 0);
            var answered = _request is null ? 0 : pushes.Total - _pushesAtStart;
            if (answered >= request.Messages && request.Messages > 0)
            {
                // Rates are over the burst, not over however long the page keeps asking afterwards.
                _answeringTook ??= _clock.Elapsed;
            }

            var elapsed = Math.Max((_answeringTook ?? _clock.Elapsed).TotalSeconds, 0.001);
            var sending = Math.Max((_sendingTook ?? _clock.Elapsed).TotalSeconds, 0.001);
            int[] sorted;
            lock (_ackMs)
            {
                sorted = [.. _ackMs.Order()];
            }

            return new BurstStatus(
                !_running.IsCompleted, request.Messages, request.Users, _sent, _acknowledged, _failed, answered, elapsed,
                _sent / sending, answered / elapsed, Percentile(sorted, 0.50), Percentile(sorted, 0.99));
        }
    }

    private async Task RunAsync(BurstRequest request)
    {
        var users = Enumerable.Range(0, request.Users).Select(i => $"oBurst{i:D6}-simulated-user").ToArray();
        await Parallel.ForAsync(0, request.Messages, new ParallelOptions { MaxDegreeOfParallelism = request.Concurrency }, async (i, cancellationToken) =>
        {
            var delivery = await sender.SendTextAsync(users[i % users.Length], $"压测消息 #{i}", request.SafeMode, showInTimeline: false, cancellationToken);
            Interlocked.Increment(ref _sent);
            Interlocked.Increment(ref delivery.Delivered ? ref _acknowledged : ref _failed);
            lock (_ackMs)
            {
                _ackMs.Add(delivery.TotalMs);
            }
        });
        _sendingTook = _clock.Elapsed;
        LogBurstDone(logger, request.Messages, request.Users, _sendingTook.Value.TotalSeconds);
    }

    private static int Percentile(int[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(p * sorted.Length))];

    [LoggerMessage(Level = LogLevel.Information, Message = "Burst of {Messages} messages from {Users} users sent in {Seconds:F1} s")]
    private static partial void LogBurstDone(ILogger logger, int messages, int users, double seconds);
}
