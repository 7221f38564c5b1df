using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;
using WeChatAi.Tests.Fakes;

// bench/PipelineBench fakes <llm-port> <wechat-port> <llm-delay-ms> <jobs> <warm-up jobs> <summary.json> [<llm-fault-rate> <push-fault-rate>]
// bench/PipelineBench wechat <webhook url[,url…]> <token> <jobs> <users> <rate-per-second> <summary.json>
// bench/PipelineBench load <redis> <jobs> <users> <rate-per-second> <ramp-seconds>
// bench/PipelineBench post <webhook url> <token> <jobs> <users> <rate-per-second> <ramp-seconds>
// bench/PipelineBench kestrel <port>
return args switch
{
    ["kestrel", var port] => await BareKestrel.RunAsync(Int(port)),
    ["post", var url, var token, var jobs, var users, var rate, var ramp] =>
        await WebhookLoader.RunAsync(new SignedUrl(new Uri(url), token), Int(jobs), Int(users), new Pace(Int(rate), Int(ramp))),
    ["fakes", var llmPort, var weChatPort, var delay, var jobs, var warmUp, var summary] =>
        await Fakes.RunAsync(Int(llmPort), Int(weChatPort), Int(delay), Int(jobs), Int(warmUp), summary, 0, 0),
    ["fakes", var llmPort, var weChatPort, var delay, var jobs, var warmUp, var summary, var llmFaults, var pushFaults] =>
        await Fakes.RunAsync(Int(llmPort), Int(weChatPort), Int(delay), Int(jobs), Int(warmUp), summary, Rate(llmFaults), Rate(pushFaults)),
    ["wechat", var url, var token, var jobs, var users, var rate, var summary] =>
        await WeChatSender.RunAsync([.. url.Split(',').Select(u => new SignedUrl(new Uri(u), token))], Int(jobs), Int(users), Int(rate), summary),
    ["load", var redis, var jobs, var users, var rate, var ramp] =>
        await Loader.RunAsync(redis, Int(jobs), Int(users), new Pace(Int(rate), Int(ramp))),
    _ => Usage(),
};

static int Int(string value) => int.Parse(value, CultureInfo.InvariantCulture);

static double Rate(string value) => double.Parse(value, CultureInfo.InvariantCulture);

static int Usage()
{
    Console.Error.WriteLine("usage: PipelineBench fakes <llm-port> <wechat-port> <llm-delay-ms> <jobs> <warm-up jobs> <summary.json> [<llm-fault-rate> <push-fault-rate>] | wechat <url[,url…]> <token> <jobs> <users> <rate> <summary.json> | load <redis> <jobs> <users> <rate> <ramp-s> | post <url> <token> <jobs> <users> <rate> <ramp-s> | kestrel <port>");
    return 2;
}

/// <summary>
/// The fake LLM (answers "答复：" + question after a delay) and the fake WeChat API, counting pushes per job. The first
/// <c>warmUp</c> jobs (sequence numbers below it) warm the worker up (JIT tiering, connection pools, GC heap sizing):
/// they count for lost and duplicated answers but not for latency and throughput.
/// </summary>
internal static class Fakes
{
    public static async Task<int> RunAsync(int llmPort, int weChatPort, int delayMs, int jobs, int warmUp, string summaryPath, double llmFaultRate, double pushFaultRate)
    {
        var perJob = new int[jobs];
        var firstPushAt = new long[jobs]; // ms since the epoch, 0 until answered: chaos.sh dates a duplicate's first push
        var latencies = new long[jobs * 2];
        long latencyCount = 0;
        long delivered = 0;
        long unknown = 0;
        var firstPush = 0L;
        var lastPush = 0L;
        var perSecond = new ConcurrentDictionary<long, int>();

        await using var llm = await FakeLlmServer.StartAsync(llmPort);
        llm.Record = false;
        llm.Delay = TimeSpan.FromMilliseconds(delayMs);
        llm.FaultRate = llmFaultRate;
        var arrivals = new long[jobs * 2];
        long arrivalCount = 0;
        llm.OnRequest = question =>
        {
            var bar = question.IndexOf('|', StringComparison.Ordinal);
            if (bar > 1 && int.TryParse(question.AsSpan(1, bar - 1), CultureInfo.InvariantCulture, out var seq) && seq >= warmUp
                && long.TryParse(question.AsSpan(bar + 1), CultureInfo.InvariantCulture, out var receivedAt))
            {
                var index = Interlocked.Increment(ref arrivalCount) - 1;
                if (index < arrivals.Length)
                {
                    arrivals[index] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - receivedAt;
                }
            }
        };
        await using var weChat = await FakeWeChatServer.StartAsync(weChatPort);
        weChat.Record = false;
        weChat.SendFaultRate = pushFaultRate;
        weChat.OnDelivered = message =>
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            Interlocked.Increment(ref delivered);

            // The loader's question is "q{seq}|{received_at_ms}"; the fake LLM answers "答复：" + question, and the worker
            // ends it with the AI label on its own line.
            var text = message.Content;
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            var q = text.IndexOf('q', StringComparison.Ordinal);
            var end = bar < 0 ? -1 : text.IndexOf('\n', bar);
            if (q < 0 || bar < q
                || !int.TryParse(text.AsSpan(q + 1, bar - q - 1), CultureInfo.InvariantCulture, out var seq)
                || !long.TryParse(end < 0 ? text.AsSpan(bar + 1) : text.AsSpan(bar + 1, end - bar - 1), CultureInfo.InvariantCulture, out var receivedAt)
                || seq < 0 || seq >= jobs)
            {
                Interlocked.Increment(ref unknown);
                return;
            }

            if (Interlocked.Increment(ref perJob[seq]) == 1)
            {
                firstPushAt[seq] = now;
            }
            if (seq < warmUp)
            {
                return;
            }

            Interlocked.CompareExchange(ref firstPush, now, 0);
            Interlocked.Exchange(ref lastPush, now);
            perSecond.AddOrUpdate(now / 1000, 1, (_, n) => n + 1);
            var index = Interlocked.Increment(ref latencyCount) - 1;
            if (index < latencies.Length)
            {
                latencies[index] = now - receivedAt;
            }
        };

        Console.WriteLine($"fakes: llm {llm.BaseAddress} (delay {delayMs} ms), wechat {weChat.BaseAddress}");
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
        var indented = new JsonSerializerOptions { WriteIndented = true };
        while (!stop.IsCancellationRequested)
        {
            var count = (int)Math.Min(Interlocked.Read(ref latencyCount), latencies.Length);
            var sorted = latencies.AsSpan(0, count).ToArray();
            Array.Sort(sorted);
            long P(double q) => sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
            var arrived = arrivals.AsSpan(0, (int)Math.Min(Interlocked.Read(ref arrivalCount), arrivals.Length)).ToArray();
            Array.Sort(arrived);
            long A(double q) => arrived.Length == 0 ? 0 : arrived[Math.Clamp((int)Math.Ceiling(q * arrived.Length) - 1, 0, arrived.Length - 1)];
            var answered = perJob.Count(n => n > 0);
            var measured = perJob.Skip(warmUp).Count(n => n > 0);
            var seconds = perSecond.OrderBy(p => p.Key).Select(p => p.Value).ToArray();
            var summary = new
            {
                jobs,
                warm_up_jobs = warmUp,
                delivered = Interlocked.Read(ref delivered),
                answered_jobs = answered,
                lost = jobs - answered,
                duplicated_jobs = perJob.Count(n => n > 1),
                unknown_pushes = Interlocked.Read(ref unknown),
                legacy_token_calls = weChat.LegacyTokenCalls,
                stable_token_calls = weChat.StableTokenRequests.Count,
                llm_calls = llm.Calls,

                // Measured jobs only from here (warm-up jobs left out).
                llm_request_after_received_ms = new { p50 = A(0.50), p95 = A(0.95), p99 = A(0.99) },
                latency_ms = new { p50 = P(0.50), p95 = P(0.95), p99 = P(0.99), max = sorted.Length == 0 ? 0 : sorted[^1] },
                push_window_seconds = (Interlocked.Read(ref lastPush) - Interlocked.Read(ref firstPush)) / 1000.0,
                answered_per_second_overall = measured / Math.Max(0.001, (Interlocked.Read(ref lastPush) - Interlocked.Read(ref firstPush)) / 1000.0),
                // Sustained: the median of the full seconds between the first and the last (ramp-up and tail left out).
                answered_per_second_sustained = seconds.Length > 4 ? seconds[1..^1].Order().ElementAt((seconds.Length - 2) / 2) : 0,
                answered_per_second_peak = seconds.Length == 0 ? 0 : seconds.Max(),
            };
            var json = JsonSerializer.Serialize(summary, indented);
            await File.WriteAllTextAsync(summaryPath + ".tmp", json);
            File.Move(summaryPath + ".tmp", summaryPath, overwrite: true);

            // Answers per job, for scripts that join them with what the sender was told (chaos.sh).
            await File.WriteAllLinesAsync(summaryPath + ".perjob.tmp", perJob.Select(n => n.ToString(CultureInfo.InvariantCulture)));
            File.Move(summaryPath + ".perjob.tmp", summaryPath + ".perjob", overwrite: true);
            await File.WriteAllLinesAsync(summaryPath + ".pushes.tmp", firstPushAt.Select(t => t.ToString(CultureInfo.InvariantCulture)));
            File.Move(summaryPath + ".pushes.tmp", summaryPath + ".pushes", overwrite: true);
            try
            {
                await Task.Delay(1000, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return 0;
    }
}

/// <summary>XADDs jobs (the webhook's contract) for many users at a steady rate, as the webhook would.</summary>
internal static class Loader
{
    public static async Task<int> RunAsync(string redisConnection, int jobs, int users, Pace pace)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisConnection);
        var db = redis.GetDatabase();
        // The count the services resolved and recorded at start (docs/keyspace.md): they are up before the load starts.
        var shards = new JobShards(int.Parse((string?)await db.StringGetAsync("wechatai:jobshards") ?? throw new InvalidOperationException("No service recorded wechatai:jobshards yet."), System.Globalization.CultureInfo.InvariantCulture));
        var clock = Stopwatch.StartNew();
        var sent = 0;
        var pending = new List<Task>();
        while (sent < jobs)
        {
            var due = Math.Min(jobs, pace.Due(clock.Elapsed.TotalSeconds));
            for (; sent < due; sent++)
            {
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var openId = $"o{sent % users:D7}";
                var msgId = 1_000_000L + sent;
                var job = new AiJob("wxbench", openId, msgId,
                    $"q{sent}|{now}", now, null, null);
                pending.Add(db.StreamAddAsync(QueueKeys.JobStream(shards.Of(openId)), job.ToStreamEntry()));
            }

            if (pending.Count >= 200)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }

            await Task.Delay(5);
        }

        await Task.WhenAll(pending);
        Console.WriteLine($"loader: {jobs} jobs for {users} users in {clock.Elapsed.TotalSeconds:F1} s ({jobs / clock.Elapsed.TotalSeconds:F0}/s)");
        return 0;
    }
}

/// <summary>
/// Sends the same jobs as <see cref="Loader"/> as WeChat would: signed plaintext <c>POST /wechat</c> text messages, one
/// per job, at a steady rate, so the API's signature check, XML parsing and Lua enqueue script are in the pipeline.
/// </summary>
internal static class WebhookLoader
{
    /// <summary>
    /// Job <paramref name="seq"/> as WeChat's plaintext XML, from one of <paramref name="users"/>: its content
    /// "q{seq}|{sent at, Unix ms}" is what the fakes count answers and latency by.
    /// </summary>
    public static string Message(int seq, int users, long nowMs) =>
        $"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[o{seq % users:D7}]]></FromUserName>"
        + $"<CreateTime>{nowMs / 1000}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[q{seq}|{nowMs}]]></Content>"
        + $"<MsgId>{1_000_000L + seq}</MsgId></xml>";

    public static async Task<int> RunAsync(SignedUrl url, int jobs, int users, Pace pace)
    {
        // Like WeChat's servers (and wrk in bench/webhook.sh): a fixed set of keep-alive connections. Without a cap a
        // stall opens hundreds of connections at once, the API's accept backlog overflows and the sender bursts.
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 });
        var clock = Stopwatch.StartNew();
        var sent = 0;
        var failed = 0;
        var pending = new List<Task>();
        while (sent < jobs)
        {
            var due = Math.Min(jobs, pace.Due(clock.Elapsed.TotalSeconds));
            for (; sent < due; sent++)
            {
                pending.Add(PostAsync(sent));
            }

            await Task.Delay(5);
        }

        await Task.WhenAll(pending);
        Console.WriteLine($"webhook loader: {jobs} messages for {users} users in {clock.Elapsed.TotalSeconds:F1} s ({jobs / clock.Elapsed.TotalSeconds:F0}/s), {failed} not acknowledged");
        return failed == 0 ? 0 : 1;

        async Task PostAsync(int seq)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var xml = WebhookLoader.Message(seq, users, now);
            try
            {
                using var response = await http.PostAsync(url.Next(), new StringContent(xml, System.Text.Encoding.UTF8, "text/xml"));
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failed);
                }
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref failed);
            }
        }
    }
}

/// <summary>
/// The loaders' schedule: the rate grows linearly from 0 to <c>Rate</c> over <c>RampSeconds</c>, then stays. A cold
/// worker hit with the full rate at once opens thousands of connections to the fakes in a second (HTTP/1.1: one per
/// request in flight) while everything is still being JIT-compiled, and never catches up on two cores.
/// </summary>
internal readonly record struct Pace(int Rate, int RampSeconds)
{
    /// <summary>Messages due by <paramref name="seconds"/> after the start.</summary>
    public int Due(double seconds) =>
        1 + (int)(seconds < RampSeconds
            ? Rate * seconds * seconds / (2.0 * RampSeconds)
            : (Rate * RampSeconds / 2.0) + (Rate * (seconds - RampSeconds)));
}

/// <summary>
/// WeChat's signed query for each push: a signed query string admits one body (docs/webhook.md), so every request,
/// a retry with a new CreateTime included, gets its own nonce, as WeChat's servers send them.
/// </summary>
internal sealed class SignedUrl(Uri webhook, string token)
{
    private readonly string _prefix = Random.Shared.NextInt64(1, 1L << 40).ToString(CultureInfo.InvariantCulture);
    private long _count;

    public Uri Next()
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = _prefix + Interlocked.Increment(ref _count).ToString(CultureInfo.InvariantCulture);
        return new Uri($"{webhook}?signature={WeChatAi.Core.WeChat.WeChatSignature.Compute(token, timestamp, nonce)}&timestamp={timestamp}&nonce={nonce}");
    }
}
