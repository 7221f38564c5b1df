using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

/// <summary>
/// Sends messages as WeChat's servers do: signed plaintext <c>POST /wechat</c> (a fresh nonce per request), 5 s per attempt, up to three attempts
/// with the same MsgId (after a timeout at once, after a refused connection or an error status a second later).
/// Writes what became of each message and the latency of every request. With several API replicas' URLs, each attempt
/// goes to the next replica (as a balancer spreads WeChat's requests), so a retry does not wait on a replica that died.
/// </summary>
internal static class WeChatSender
{
    private const int Attempts = 3;
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(SignedUrl[] urls, int jobs, int users, int rate, string summaryPath)
    {
        // No cap on connections: WeChat opens as many as it has messages waiting, and a client-side queue would hide the API's latency.
        using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = AttemptTimeout })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var acceptedOn = new int[jobs];
        var latencies = new ConcurrentQueue<double>();
        var clock = Stopwatch.StartNew();
        var pending = new List<Task>(jobs);
        for (var seq = 0; seq < jobs; seq++)
        {
            var due = TimeSpan.FromSeconds(seq / (double)rate) - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due);
            }

            pending.Add(DeliverAsync(seq));
        }

        await Task.WhenAll(pending);
        var sorted = latencies.Order().ToArray();
        double P(double q) => sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        var summary = new
        {
            jobs,
            accepted = acceptedOn.Count(a => a > 0),
            never_accepted = acceptedOn.Count(a => a == 0),
            accepted_on_attempt = Enumerable.Range(1, Attempts).Select(a => acceptedOn.Count(x => x == a)).ToArray(),
            requests = sorted.Length,
            requests_over_5s = sorted.Count(ms => ms >= AttemptTimeout.TotalMilliseconds),
            latency_ms = new { p50 = P(0.50), p99 = P(0.99), max = sorted.Length == 0 ? 0 : sorted[^1] },
            seconds = clock.Elapsed.TotalSeconds,
        };
        await File.WriteAllTextAsync(summaryPath, JsonSerializer.Serialize(summary, Indented));
        await File.WriteAllLinesAsync(summaryPath + ".accepted", acceptedOn.Select(a => a.ToString(CultureInfo.InvariantCulture)));
        Console.WriteLine($"wechat sender: {jobs} messages in {clock.Elapsed.TotalSeconds:F1} s, {summary.accepted} accepted, {summary.never_accepted} never");
        return 0;

        async Task DeliverAsync(int seq)
        {
            for (var attempt = 1; attempt <= Attempts; attempt++)
            {
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var xml = WebhookLoader.Message(seq, users, now);
                var started = Stopwatch.GetTimestamp();
                var timedOut = false;
                using var timeout = new CancellationTokenSource(AttemptTimeout);
                try
                {
                    using var response = await http.PostAsync(urls[(seq + attempt) % urls.Length].Next(), new StringContent(xml, System.Text.Encoding.UTF8, "text/xml"), timeout.Token);
                    await response.Content.ReadAsByteArrayAsync(timeout.Token);
                    latencies.Enqueue(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    if (response.IsSuccessStatusCode)
                    {
                        acceptedOn[seq] = attempt;
                        return;
                    }
                }
                catch (OperationCanceledException)
                {
                    latencies.Enqueue(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    timedOut = true;
                }
                catch (HttpRequestException)
                {
                    latencies.Enqueue(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }

                if (!timedOut)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1));
                }
            }
        }
    }
}
