using System.Diagnostics;
using Microsoft.Extensions.Options;
using WeChatAi.Simulator.WeChatApi;
using WeChatAi.Simulator.WeChatServer;

namespace WeChatAi.Simulator.Chat;

public sealed record BurstRequest(int Messages, int Users, int Concurrency = 32, bool SafeMode = true);

/// <param name="Phase"><c>sending</c>, <c>answering</c> (all sent, answers still arriving) or <c>idle</c>.</param>
/// <param name="RateLimited">Messages the webhook refused with its rate-limit reply: no job, no answer.</param>
/// <param name="AnsweredPerSecond">Answers over the last second or more of polling: 0 once they stop arriving.</param>
public sealed record BurstStatus(
    bool Running,
    string Phase,
    int Messages,
    int Users,
    long Sent,
    long Acknowledged,
    long Failed,
    long RateLimited,
    long Answered,
    double ElapsedSeconds,
    double SentPerSecond,
    double AnsweredPerSecond,
    int AckP50Ms,
    int AckP99Ms,
    BurstLimits Limits);

/// <summary>The webhook's per-user limit as the AppHost configured it: a burst of N messages needs N / PerUserBurst users to stay under it.</summary>
public sealed record BurstLimits(int PerUserBurst, int PerUserPerMinute);

/// <summary>
/// A bounded load from the page: N messages from M users through the real webhook, counting immediate replies, the
/// ones the webhook's per-user limit refused, and the answers pushed back. One burst at a time; it stops by itself.
/// </summary>
public sealed partial class BurstRunner(WebhookSender sender, PushCounter pushes, IOptions<SimulatorOptions> options, ILogger<BurstRunner> logger)
{
    public const int MaxMessages = 100_000;
    public const int MaxUsers = 10_000;
    public const int MaxConcurrency = 256;

    /// <summary>The webhook's passive reply to a rate-limited message (<c>WeChatWebhook.RateLimitedText</c> in the API).</summary>
    public const string RateLimitedReply = "您发送得太快了，请稍后再试。";

    /// <summary>After the last answer, how long the burst waits for more before it calls itself done (a lost answer must not keep it busy).</summary>
    private static readonly TimeSpan AnswerQuiet = TimeSpan.FromSeconds(15);

    private readonly Lock _lock = new();
    private BurstRequest? _request;
    private Stopwatch _clock = new();
    private long _pushesAtStart;
    private TimeSpan? _sendingTook;
    private TimeSpan? _answeringTook;
    private TimeSpan _lastAnswerAt;
    private long _lastAnswered;
    private (TimeSpan At, long Answered) _sample;
    private double _answerRate;
    private long _sent;
    private long _acknowledged;
    private long _failed;
    private long _rateLimited;
    private List<int> _ackMs = [];
    private Task _running = Task.CompletedTask;

    private BurstLimits Limits => new(options.Value.PerUserBurst, options.Value.PerUserPerMinute);

    /// <summary>Starts a burst; returns an error message when the request is out of bounds or one is running.</summary>
    public string? TryStart(BurstRequest request)
    {
        if (request.Messages is < 1 or > MaxMessages || request.Users is < 1 or > MaxUsers || request.Concurrency is < 1 or > MaxConcurrency)
        {
            return $"messages must be 1..{MaxMessages}, users 1..{MaxUsers}, concurrency 1..{MaxConcurrency}";
        }

        lock (_lock)
        {
            if (_running.IsCompleted is false || Phase() == "answering")
            {
                return "a burst is already running";
            }

            _request = request;
            _sent = _acknowledged = _failed = _rateLimited = 0;
            _sendingTook = _answeringTook = null;
            _lastAnswerAt = TimeSpan.Zero;
            _lastAnswered = 0;
            _sample = (TimeSpan.Zero, 0);
            _answerRate = 0;
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
            var now = _clock.Elapsed;
            if (answered != _lastAnswered)
            {
                (_lastAnswered, _lastAnswerAt) = (answered, now);
            }

            if (now - _sample.At >= TimeSpan.FromSeconds(1))
            {
                _answerRate = (answered - _sample.Answered) / (now - _sample.At).TotalSeconds;
                _sample = (now, answered);
            }

            var phase = Phase();
            if (phase == "idle" && _request is not null)
            {
                // Rates are over the burst, not over however long the page keeps asking afterwards.
                _answeringTook ??= answered > 0 ? _lastAnswerAt : now;
            }

            var elapsed = Math.Max((_answeringTook ?? now).TotalSeconds, 0.001);
            var sending = Math.Max((_sendingTook ?? now).TotalSeconds, 0.001);
            int[] sorted;
            lock (_ackMs)
            {
                sorted = [.. _ackMs.Order()];
            }

            return new BurstStatus(
                phase != "idle", phase, request.Messages, request.Users, _sent, _acknowledged, _failed, _rateLimited, answered, elapsed,
                _sent / sending, phase == "idle" ? 0 : _answerRate, Percentile(sorted, 0.50), Percentile(sorted, 0.99), Limits);
        }
    }

    /// <summary>Sending until every message went out; then answering until each admitted message has its answer or none came for a while.</summary>
    private string Phase()
    {
        if (_request is null)
        {
            return "idle";
        }

        if (!_running.IsCompleted)
        {
            return "sending";
        }

        var expected = _acknowledged - _rateLimited;
        var answered = pushes.Total - _pushesAtStart;
        var quietSince = _lastAnswerAt > _sendingTook ? _lastAnswerAt : _sendingTook ?? TimeSpan.Zero;
        return answered < expected && _clock.Elapsed - quietSince < AnswerQuiet ? "answering" : "idle";
    }

    private async Task RunAsync(BurstRequest request)
    {
        var users = Enumerable.Range(0, request.Users).Select(i => $"oBurst{i:D6}-simulated-user").ToArray();
        await Parallel.ForAsync(0, request.Messages, new ParallelOptions { MaxDegreeOfParallelism = request.Concurrency }, async (i, cancellationToken) =>
        {
            var delivery = await sender.SendTextAsync(users[i % users.Length], $"压测消息 #{i}", request.SafeMode, showInTimeline: false, cancellationToken);
            Interlocked.Increment(ref _sent);
            Interlocked.Increment(ref delivery.Delivered ? ref _acknowledged : ref _failed);
            if (delivery.Reply == RateLimitedReply)
            {
                Interlocked.Increment(ref _rateLimited);
            }

            lock (_ackMs)
            {
                _ackMs.Add(delivery.TotalMs);
            }
        });
        lock (_lock)
        {
            _sendingTook = _clock.Elapsed;
        }

        LogBurstDone(logger, request.Messages, request.Users, _sendingTook.Value.TotalSeconds, _rateLimited);
    }

    private static int Percentile(int[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(p * sorted.Length))];

    [LoggerMessage(Level = LogLevel.Information, Message = "Burst of {Messages} messages from {Users} users sent in {Seconds:F1} s; {RateLimited} refused by the per-user limit")]
    private static partial void LogBurstDone(ILogger logger, int messages, int users, double seconds, long rateLimited);
}
