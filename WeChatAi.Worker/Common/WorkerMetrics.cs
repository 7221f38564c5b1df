using System.Diagnostics.Metrics;
using System.Globalization;

namespace WeChatAi.Worker.Common;

/// <summary>The worker's instruments on the shared "WeChatAi" meter.</summary>
internal sealed class WorkerMetrics
{
    private readonly Counter<long> _jobs;
    private readonly UpDownCounter<long> _inFlight;
    private readonly Counter<long> _deadLetters;
    private readonly Counter<long> _retries;
    private readonly Histogram<double> _answerLatency;
    private readonly Histogram<double> _llmDuration;
    private readonly Counter<long> _llmTokens;
    private readonly Counter<long> _pushErrors;
    private readonly Counter<long> _recordsDropped;
    private long _queueLag;
    private long _queuePending;
    private long _deadLetterLength;

    public WorkerMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(WeChatAiTelemetry.MeterName);
        _jobs = meter.CreateCounter<long>("wechatai.jobs.completed", "{job}", "Jobs finished, by outcome");
        _inFlight = meter.CreateUpDownCounter<long>("wechatai.jobs.in_flight", "{job}", "Jobs this worker is processing");
        _deadLetters = meter.CreateCounter<long>("wechatai.jobs.dead_lettered", "{job}", "Jobs given up on");
        _retries = meter.CreateCounter<long>("wechatai.jobs.retries", "{attempt}", "Failed attempts that will be retried");
        _answerLatency = meter.CreateHistogram<double>("wechatai.answer.latency", "s", "From the webhook accepting a message to its answer pushed");
        _llmDuration = meter.CreateHistogram<double>("wechatai.llm.duration", "s", "Duration of LLM calls, by result");
        _llmTokens = meter.CreateCounter<long>("wechatai.llm.tokens", "{token}", "Tokens used, by type (input, output)");
        _pushErrors = meter.CreateCounter<long>("wechatai.push.errors", "{error}", "Customer-service pushes WeChat refused, by errcode");
        _recordsDropped = meter.CreateCounter<long>("wechatai.recording.dropped", "{exchange}", "Exchanges not recorded: the Redis buffer was full, or PostgreSQL and Redis were both away at shutdown");
        meter.CreateObservableGauge("wechatai.queue.lag", () => Interlocked.Read(ref _queueLag), "{job}", "Jobs in the stream not yet delivered to any worker");
        meter.CreateObservableGauge("wechatai.queue.pending", () => Interlocked.Read(ref _queuePending), "{job}", "Jobs delivered to a worker and not yet acknowledged");
        meter.CreateObservableGauge("wechatai.queue.dead_letters", () => Interlocked.Read(ref _deadLetterLength), "{job}", "Length of the dead-letter stream");
    }

    public void JobStarted() => _inFlight.Add(1);

    public void JobEnded() => _inFlight.Add(-1);

    public void JobCompleted(string outcome, TimeSpan latency)
    {
        _jobs.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        _answerLatency.Record(latency.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
    }

    public void Retry() => _retries.Add(1);

    public void DeadLettered() => _deadLetters.Add(1);

    public void LlmCall(TimeSpan duration, int inputTokens, int outputTokens, string result)
    {
        _llmDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("result", result));
        if (inputTokens > 0)
        {
            _llmTokens.Add(inputTokens, new KeyValuePair<string, object?>("type", "input"));
        }

        if (outputTokens > 0)
        {
            _llmTokens.Add(outputTokens, new KeyValuePair<string, object?>("type", "output"));
        }
    }

    public void PushError(int errCode) =>
        _pushErrors.Add(1, new KeyValuePair<string, object?>("errcode", errCode.ToString(CultureInfo.InvariantCulture)));

    public void RecordsDropped(int count) => _recordsDropped.Add(count);

    public void QueueSampled(long lag, long pending, long deadLetters)
    {
        Interlocked.Exchange(ref _queueLag, lag);
        Interlocked.Exchange(ref _queuePending, pending);
        Interlocked.Exchange(ref _deadLetterLength, deadLetters);
    }
}
