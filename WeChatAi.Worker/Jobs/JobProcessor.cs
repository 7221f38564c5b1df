using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Data;
using WeChatAi.Core.Queue;
using WeChatAi.Worker.Delivery;
using WeChatAi.Worker.Llm;
using WeChatAi.Worker.Memory;
using WeChatAi.Worker.Recording;

namespace WeChatAi.Worker.Jobs;

/// <summary>
/// One job from the stream to the user's chat: answer (from the LLM, or the one an earlier attempt stored), remember
/// the turn, push the parts, record the exchange, acknowledge. Failures retry with exponential backoff and jitter up
/// to <see cref="WorkerOptions.MaxAttempts"/>, then the job goes to the dead-letter stream and the user gets an apology.
/// </summary>
internal sealed partial class JobProcessor(
    IConnectionMultiplexer redis,
    LlmAnswerer llm,
    ConversationMemory memory,
    MessageBudget budget,
    AnswerDelivery delivery,
    PassiveReplyStore passiveReplies,
    ExchangeRecorder recorder,
    WorkerMetrics metrics,
    IOptions<WorkerOptions> workerOptions,
    IOptions<WeChatApiOptions> weChatOptions,
    TimeProvider time,
    ILogger<JobProcessor> logger)
{
    public async Task ProcessAsync(StreamEntry entry, CancellationToken cancellationToken)
    {
        AiJob job;
        try
        {
            job = AiJob.FromStreamEntry(entry);
        }
        catch (FormatException ex)
        {
            LogMalformed(logger, ex, entry.Id.ToString());
            await DeadLetterAsync(entry.Id, entry.Values, ex.Message, attempts: 0);
            return;
        }

        using var activity = StartActivity(job, entry.Id);
        metrics.JobStarted();
        try
        {
            await ProcessAsync(entry.Id, job, activity, cancellationToken);
        }
        finally
        {
            metrics.JobEnded();
        }
    }

    private async Task ProcessAsync(RedisValue entryId, AiJob job, Activity? activity, CancellationToken cancellationToken)
    {
        var settings = workerOptions.Value;
        var state = new JobState(redis.GetDatabase(), job.JobId);
        while (true)
        {
            var attempt = 0;
            try
            {
                attempt = await state.BeginAttemptAsync();
                activity?.SetTag("wechatai.job.attempt", attempt);
                if (attempt > settings.MaxAttempts)
                {
                    // Attempts of crashed workers count too: a job that kills its worker ends up here.
                    await GiveUpAsync(entryId, job, state, attempt - 1, "attempts exhausted (previous worker stopped mid-job)", activity, cancellationToken);
                    return;
                }

                var (answer, outcome) = await AttemptAsync(job, state, cancellationToken);
                await CompleteAsync(entryId, job, state, answer, outcome, attempt, activity);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw; // shutting down: the job stays pending and another worker takes it over
            }
            catch (Exception ex) when (attempt > 0 && attempt < settings.MaxAttempts)
            {
                metrics.Retry();
                var delay = Backoff(attempt, settings);
                LogRetry(logger, ex, job.JobId, attempt, settings.MaxAttempts, (int)delay.TotalMilliseconds);
                activity?.AddEvent(new ActivityEvent("retry", tags: new ActivityTagsCollection { ["exception.message"] = ex.Message }));
                await Task.Delay(delay, time, cancellationToken);
            }
            catch (Exception ex) when (attempt > 0)
            {
                LogGivingUp(logger, ex, job.JobId, attempt);
                activity?.AddException(ex);
                await GiveUpAsync(entryId, job, state, attempt, $"{ex.GetType().Name}: {ex.Message}", activity, cancellationToken);
                return;
            }
            catch (Exception ex) when (RedisFailures.IsTransient(ex))
            {
                // Redis itself is away or too slow (attempt not even counted): wait for it without spending attempts.
                LogRedisDown(logger, ex, job.JobId);
                await Task.Delay(Backoff(1, settings), time, cancellationToken);
            }
        }
    }

    private async Task<(StoredAnswer Answer, DeliveryOutcome Outcome)> AttemptAsync(AiJob job, JobState state, CancellationToken cancellationToken)
    {
        // Each job is a user message: WeChat's 48-hour budget starts again from it.
        await budget.ResetAsync(job);

        var isReset = ConversationMemory.IsResetCommand(job.Content);
        var answer = state.Answer;
        if (answer is null)
        {
            if (isReset)
            {
                await memory.ClearAsync(job);
                answer = new StoredAnswer(workerOptions.Value.ResetConfirmationText, 0, 0);
            }
            else
            {
                var history = await memory.LoadAsync(job);
                answer = await llm.AnswerAsync(history, job.Content, cancellationToken);
            }

            answer = await state.StoreAnswerAsync(answer);
        }

        if (!isReset && !state.IsMemorized && await state.TryMarkAsync("memorized"))
        {
            await memory.AppendAsync(job, job.Content, answer.Text);
        }

        var parts = MessageSplitter.Split(MarkdownText.ToPlainText(answer.Text), weChatOptions.Value.MaxMessageBytes);
        var outcome = await passiveReplies.IsPassiveAsync(job.AppId)
            ? await passiveReplies.StoreAsync(job, parts)
            : await delivery.DeliverAsync(job, state, parts, cancellationToken);
        return (answer, outcome);
    }

    private async Task CompleteAsync(RedisValue entryId, AiJob job, JobState state, StoredAnswer answer, DeliveryOutcome outcome, int attempt, Activity? activity)
    {
        var now = time.GetUtcNow();
        var latency = now - DateTimeOffset.FromUnixTimeMilliseconds(job.ReceivedAtUnixMs);
        var db = redis.GetDatabase();
        var counters = StatsKeys.Counters(now);
        var latencies = StatsKeys.Latencies(now);
        var field = outcome == DeliveryOutcome.Delivered ? StatsKeys.AnsweredField : StatsKeys.DeferredField;
        var batch = db.CreateBatch();
        Task[] writes =
        [
            batch.StreamAcknowledgeAsync(QueueKeys.JobStream, QueueKeys.ConsumerGroup, entryId),
            batch.HashIncrementAsync(counters, field),
            batch.KeyExpireAsync(counters, StatsKeys.Retention),
            batch.KeyExpireAsync(state.Key, JobState.FinishedTtl),
            .. outcome == DeliveryOutcome.Delivered
                ? new Task[]
                {
                    batch.ListLeftPushAsync(latencies, (long)latency.TotalMilliseconds),
                    batch.ListTrimAsync(latencies, 0, StatsKeys.LatencySampleSize - 1),
                    batch.KeyExpireAsync(latencies, StatsKeys.Retention),
                }
                : [],
        ];
        batch.Execute();
        await Task.WhenAll(writes);

        recorder.Record(new ChatExchange
        {
            JobId = job.JobId,
            AppId = job.AppId,
            OpenId = job.OpenId,
            Question = job.Content,
            Answer = answer.Text,
            PromptTokens = answer.PromptTokens,
            CompletionTokens = answer.CompletionTokens,
            ReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(job.ReceivedAtUnixMs),
            AnsweredAt = outcome == DeliveryOutcome.Delivered ? now : null,
            LatencyMs = (int)Math.Min(int.MaxValue, latency.TotalMilliseconds),
            Attempts = attempt,
            Outcome = outcome == DeliveryOutcome.Delivered ? ExchangeOutcome.Answered : ExchangeOutcome.Deferred,
        });

        var outcomeName = outcome == DeliveryOutcome.Delivered ? "answered" : "deferred";
        metrics.JobCompleted(outcomeName, latency);
        activity?.SetTag("wechatai.job.outcome", outcomeName);
        LogCompleted(logger, job.JobId, outcomeName, attempt, (long)latency.TotalMilliseconds);
    }

    private async Task GiveUpAsync(RedisValue entryId, AiJob job, JobState state, int attempts, string reason, Activity? activity, CancellationToken cancellationToken)
    {
        await delivery.SendApologyAsync(job, state, workerOptions.Value.ApologyText, cancellationToken);
        await DeadLetterAsync(entryId, job.ToStreamEntry(), reason, attempts);
        await state.FinishAsync();
        recorder.Record(new ChatExchange
        {
            JobId = job.JobId,
            AppId = job.AppId,
            OpenId = job.OpenId,
            Question = job.Content,
            Answer = state.Answer?.Text,
            ReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(job.ReceivedAtUnixMs),
            LatencyMs = (int)Math.Min(int.MaxValue, (time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(job.ReceivedAtUnixMs)).TotalMilliseconds),
            Attempts = attempts,
            Outcome = ExchangeOutcome.DeadLettered,
            Error = reason,
        });
        activity?.SetStatus(ActivityStatusCode.Error, reason);
        activity?.SetTag("wechatai.job.outcome", "dead_lettered");
    }

    /// <summary>Moves the entry to the dead-letter stream and acknowledges it, atomically.</summary>
    private async Task DeadLetterAsync(RedisValue entryId, NameValueEntry[] fields, string reason, int attempts)
    {
        var now = time.GetUtcNow();
        var db = redis.GetDatabase();
        var transaction = db.CreateTransaction();
        _ = transaction.StreamAddAsync(QueueKeys.DeadLetterStream,
        [
            .. fields,
            new("dead_reason", reason),
            new("dead_attempts", attempts),
            new("dead_at", now.ToUnixTimeMilliseconds()),
            new("source_id", entryId),
        ]);
        _ = transaction.StreamAcknowledgeAsync(QueueKeys.JobStream, QueueKeys.ConsumerGroup, entryId);
        _ = transaction.HashIncrementAsync(StatsKeys.Counters(now), StatsKeys.DeadLetteredField);
        _ = transaction.KeyExpireAsync(StatsKeys.Counters(now), StatsKeys.Retention);
        await transaction.ExecuteAsync();
        metrics.DeadLettered();
        LogDeadLettered(logger, entryId.ToString(), reason);
    }

    private static Activity? StartActivity(AiJob job, RedisValue entryId)
    {
        ActivityContext.TryParse(job.TraceParent, job.TraceState, isRemote: true, out var parent);
        var activity = WeChatAiTelemetry.ActivitySource.StartActivity("process ai job", ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.system", "redis");
        activity?.SetTag("messaging.destination.name", QueueKeys.JobStream);
        activity?.SetTag("messaging.message.id", entryId.ToString());
        activity?.SetTag("wechatai.job.id", job.JobId);
        return activity;
    }

    private static TimeSpan Backoff(int attempt, WorkerOptions settings)
    {
        var exponential = settings.RetryBaseDelayMs * Math.Pow(2, Math.Min(attempt - 1, 20));
        var capped = Math.Min(exponential, settings.RetryMaxDelayMs);
        var jittered = capped * (0.5 + (Random.Shared.NextDouble() * 0.5));
        return TimeSpan.FromMilliseconds(jittered);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job {JobId} {Outcome} after {Attempts} attempt(s), {LatencyMs} ms after it was received")]
    private static partial void LogCompleted(ILogger logger, string jobId, string outcome, int attempts, long latencyMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} failed (attempt {Attempt} of {MaxAttempts}); retrying in {DelayMs} ms")]
    private static partial void LogRetry(ILogger logger, Exception exception, string jobId, int attempt, int maxAttempts, int delayMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} failed its last attempt ({Attempts}); dead-lettering it")]
    private static partial void LogGivingUp(ILogger logger, Exception exception, string jobId, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis unavailable while starting job {JobId}; waiting")]
    private static partial void LogRedisDown(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stream entry {EntryId} is not a valid job")]
    private static partial void LogMalformed(ILogger logger, Exception exception, string entryId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream entry {EntryId} dead-lettered: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string entryId, string reason);
}
