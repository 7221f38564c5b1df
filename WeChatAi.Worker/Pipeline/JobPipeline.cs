using System.Diagnostics;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;
using WeChatAi.Worker.Common;
using WeChatAi.Worker.Handoff;
using WeChatAi.Worker.Ordering;

namespace WeChatAi.Worker.Pipeline;

/// <summary>
/// One stream entry to the user's chat: the job read, its turn checked by the attempt's first call and awaited if need be
/// (<see cref="UserTurns"/>), attempted (<see cref="JobAttempt"/>: LLM, split, deliver) and
/// ended (<see cref="JobCompletion"/>: record, acknowledge). Failures retry with exponential backoff and jitter up to
/// <see cref="WorkerOptions.MaxAttempts"/>, then the job goes to the dead-letter stream and the user gets an apology.
/// </summary>
internal sealed partial class JobPipeline(
    IConnectionMultiplexer redis,
    JobAttempt attempts,
    JobCompletion completion,
    DeadLetters deadLetters,
    UserTurns turns,
    HandoffHold handoff,
    WorkerMetrics metrics,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<JobPipeline> logger)
{
    /// <param name="shard">The shard whose stream the entry was read from (its user's).</param>
    public async Task ProcessAsync(JobShard shard, StreamEntry entry, CancellationToken cancellationToken)
    {
        AiJob job;
        try
        {
            job = AiJob.FromStreamEntry(entry);
        }
        catch (FormatException ex)
        {
            LogMalformed(logger, ex, entry.Id.ToString());
            await deadLetters.AddAsync(shard, entry.Id, entry.Values, ex.Message, attempts: 0);
            return;
        }

        using var activity = StartActivity(shard, job, entry.Id);
        metrics.JobStarted();
        try
        {
            await ProcessAsync(shard, entry.Id, job, DeadLetterRetry.FromStreamEntry(entry), activity, cancellationToken);
        }
        finally
        {
            metrics.JobEnded();
        }
    }

    private async Task ProcessAsync(JobShard shard, RedisValue entryId, AiJob job, DeadLetterRetry? retry, Activity? activity, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var state = new JobState(redis.GetDatabase(), shard, job.JobId);

        // Attempts of this loop whose failure Redis could not record: they ended here, their worker was not cut off.
        var unrecorded = 0;

        // Checked by the first attempt's start (with the handoff marker); later attempts run on the turn the job already has.
        var turnEntry = entryId;

        while (true)
        {
            var attempt = 0;
            try
            {
                if (await attempts.StartAsync(job, state, turnEntry, retry) is not { } started)
                {
                    // An older message of the user is unfinished (rare: ordering holds mostly by itself): wait for it.
                    await turns.WaitForTurnAsync(shard, job, entryId, cancellationToken);
                    turnEntry = RedisValue.Null;
                    continue;
                }

                turnEntry = RedisValue.Null;
                attempt = started.Attempt;
                activity?.SetTag("wechatai.job.attempt", attempt);
                var interrupted = attempt - 1 - state.Failures - unrecorded;
                if (interrupted >= settings.MaxInterruptions)
                {
                    // A job whose every attempt ends with its worker dead is likely what kills them.
                    await completion.GiveUpAsync(entryId, job, state, attempt - 1, $"{interrupted} attempts cut off by their worker stopping mid-job", activity, cancellationToken);
                    return;
                }

                var result = await attempts.RunAsync(job, state, started, cancellationToken);
                await completion.CompleteAsync(entryId, state, result, attempt, activity);
                return;
            }
            catch (HandedOffException)
            {
                // Queued before the user was handed to a person (found by the first start), or taken over before the LLM call.
                await handoff.HoldAsync(shard, entryId, job, state);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Shutting down: the job stays pending and another worker takes it over, without the parts WeChat took.
                try
                {
                    await state.WriteMarksAsync();
                }
                catch (Exception down) when (RedisFailures.IsTransient(down))
                {
                    LogRedisDown(logger, down, job.MsgId);
                }

                throw;
            }
            catch (Exception ex) when (attempt > 0)
            {
                int failures;
                try
                {
                    failures = await state.RecordFailureAsync();
                }
                catch (Exception down) when (RedisFailures.IsTransient(down))
                {
                    LogRedisDown(logger, down, job.MsgId);
                    unrecorded++;
                    await Task.Delay(Backoff(1, settings), time, cancellationToken);
                    continue;
                }

                if (failures >= settings.MaxAttempts)
                {
                    LogGivingUp(logger, ex, job.MsgId, failures);
                    activity?.AddException(ex);
                    await completion.GiveUpAsync(entryId, job, state, attempt, $"{ex.GetType().Name}: {ex.Message}", activity, cancellationToken);
                    return;
                }

                metrics.Retry();
                var delay = Backoff(failures, settings);
                LogRetry(logger, ex, job.MsgId, failures, settings.MaxAttempts, (int)delay.TotalMilliseconds);
                activity?.AddEvent(new ActivityEvent("retry", tags: new ActivityTagsCollection { ["exception.message"] = ex.Message }));
                await Task.Delay(delay, time, cancellationToken);
            }
            catch (Exception ex) when (RedisFailures.IsTransient(ex))
            {
                // Redis itself is away or too slow (attempt not even counted): wait for it without spending attempts.
                LogRedisDown(logger, ex, job.MsgId);
                await Task.Delay(Backoff(1, settings), time, cancellationToken);
            }
        }
    }

    private static Activity? StartActivity(JobShard shard, AiJob job, RedisValue entryId)
    {
        ActivityContext.TryParse(job.TraceParent, job.TraceState, isRemote: true, out var parent);
        var activity = WeChatAiTelemetry.ActivitySource.StartActivity("process ai job", ActivityKind.Consumer, parent);
        activity?.SetTag("messaging.system", "redis");
        activity?.SetTag("messaging.destination.name", QueueKeys.JobStream(shard));
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job msg {MsgId} failed ({Failures} of {MaxAttempts} failures allowed); retrying in {DelayMs} ms")]
    private static partial void LogRetry(ILogger logger, Exception exception, long msgId, int failures, int maxAttempts, int delayMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job msg {MsgId} failed {Failures} time(s), as many as Worker:MaxAttempts allows; dead-lettering it")]
    private static partial void LogGivingUp(ILogger logger, Exception exception, long msgId, int failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis unavailable while processing job msg {MsgId}; waiting")]
    private static partial void LogRedisDown(ILogger logger, Exception exception, long msgId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stream entry {EntryId} is not a valid job")]
    private static partial void LogMalformed(ILogger logger, Exception exception, string entryId);
}
