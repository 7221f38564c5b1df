using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;
using WeChatAi.Core.Replies;
using WeChatAi.Core.WeChat;
using WeChatAi.Core.WeChatApi;
using WeChatAi.Worker.Common;

namespace WeChatAi.Worker.Delivery;

internal enum DeliveryOutcome
{
    /// <summary>Every part reached the user.</summary>
    Delivered,

    /// <summary>WeChat's limits held some parts back: they wait for the user's next message.</summary>
    Deferred,
}

/// <summary>
/// Pushes an answer (after whatever was pending for the user) part by part, in order, within the user's budget, each
/// part claimed in the job's state just before its request goes out (token in hand) and released only if WeChat surely
/// did not take it. A claim left by a worker that died is taken over and the part sent again: the user gets every
/// answer, and a duplicate only for a request that was on the wire at the crash. A living worker that saw a request
/// leave without an answer (timeout, cut-off response) marks the part unknown and does not send it again. A new answer's
/// first part is claimed by the call that stored it (<see cref="JobState.StoreAnsweredAsync"/>, with
/// <see cref="HeldToken"/> in hand), each further part's claim writes the part before as sent, and the last one is
/// written by the job's completion.
/// </summary>
internal sealed partial class AnswerDelivery(
    CustomerServiceSender sender,
    MessageBudget budget,
    PassiveDelivery passiveReplies,
    ReplicaAcks replicaAcks,
    IOptions<WeChatOptions> options,
    ILogger<AnswerDelivery> logger)
{
    /// <summary>The token for a part claimed before <see cref="DeliverAsync"/> (null: none in memory, no part is claimed early).</summary>
    public string? HeldToken => sender.CachedToken;

    /// <param name="heldToken">The token part 0 was claimed with, when the call that stored the answer claimed it.</param>
    public async Task<DeliveryOutcome> DeliverAsync(AiJob job, JobState state, IReadOnlyList<string> answerParts, CancellationToken cancellationToken, string? heldToken = null)
    {
        if (state.IsDeferred)
        {
            return DeliveryOutcome.Deferred;
        }

        var pendingKey = ReplyKeys.Pending(state.Shard, job.AppId, job.OpenId);
        var pending = await state.TakePendingAsync(pendingKey);
        var parts = pending.Concat(answerParts).ToList();
        for (var i = 0; i < parts.Count; i++)
        {
            if (state.IsPartSettled(i))
            {
                continue;
            }

            var token = heldToken ?? await sender.GetTokenAsync(cancellationToken);
            heldToken = null;
            var claim = await state.ClaimPartAsync(i, MessageBudget.Key(state.Shard, job));
            if (claim == PartClaim.AlreadyClaimed)
            {
                continue; // settled meanwhile by another attempt of this job
            }

            if (claim == PartClaim.TakenOver)
            {
                LogTakenOver(logger, job.MsgId, i);
            }

            if (claim == PartClaim.NoBudget)
            {
                await DeferFromAsync(job, state, parts, i);
                return DeliveryOutcome.Deferred;
            }

            if (!await replicaAcks.WaitAsync(state.Key))
            {
                // A claim only the master holds dies with it: the promoted replica would let another attempt send the part again.
                await state.ReleasePartAsync(i);
                if (claim == PartClaim.Claimed)
                {
                    await budget.RefundAsync(job);
                }

                throw new RedisException("The part's claim did not reach a replica in time; it is sent by a later attempt.");
            }

            WeChatResult result;
            try
            {
                result = await sender.SendTextAsync(token, job.OpenId, parts[i], cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping: the claim stays, and the worker that takes the job over sends the part again.
                throw;
            }
            catch (Exception ex) when (IsAmbiguous(ex))
            {
                // The request reached WeChat, which most likely took it: never sent again.
                LogAmbiguous(logger, ex, job.MsgId, i);
                await state.MarkUnknownAsync(i);
                throw;
            }
            catch (Exception)
            {
                // Surely not delivered (refused by our own circuit breaker, connection failed, HTTP error,
                // no token): a later attempt sends it.
                await state.ReleasePartAsync(i);
                await budget.RefundAsync(job);
                throw;
            }

            switch (result.ErrCode)
            {
                case 0:
                    state.MarkSent(i);
                    break;
                case WeChatErrorCodes.TooManyMessages or WeChatErrorCodes.ReplyTimeLimitExceeded:
                    await state.ReleasePartAsync(i);
                    await budget.ExhaustAsync(job);
                    LogLimited(logger, job.MsgId, result.ErrCode, parts.Count - i);
                    await DeferFromAsync(job, state, parts, i);
                    return DeliveryOutcome.Deferred;
                case WeChatErrorCodes.NoPermission:
                    await state.ReleasePartAsync(i);
                    await budget.RefundAsync(job);
                    // The API delivers what is pending (this answer included) with the user's next message.
                    await passiveReplies.SwitchToPassiveAsync(job.AppId);
                    await DeferFromAsync(job, state, parts, i);
                    return DeliveryOutcome.Deferred;
                default:
                    await state.ReleasePartAsync(i);
                    await budget.RefundAsync(job);
                    throw new WeChatApiException(result.ErrCode, result.ErrMsg ?? "custom/send failed");
            }
        }

        return DeliveryOutcome.Delivered;
    }

    private static bool IsAmbiguous(Exception ex) =>
        ex is OperationCanceledException or Polly.Timeout.TimeoutRejectedException
        || (ex is HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded or HttpRequestError.InvalidResponse });

    /// <summary>Best effort, at most once per job: tells the user we gave up on their message.</summary>
    public async Task SendApologyAsync(AiJob job, JobState state, string text, CancellationToken cancellationToken)
    {
        try
        {
            if (!await state.TryMarkAsync("apology") || !await budget.TryConsumeAsync(job))
            {
                return;
            }

            var result = await sender.SendTextAsync(job.OpenId, text, cancellationToken);
            if (result.ErrCode != 0)
            {
                await budget.RefundAsync(job);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or WeChatApiException or TimeoutException or StackExchange.Redis.RedisException)
        {
            LogApologyFailed(logger, ex, job.MsgId);
        }
    }

    private Task DeferFromAsync(AiJob job, JobState state, List<string> parts, int from) =>
        state.DeferAsync(
            ReplyKeys.Pending(state.Shard, job.AppId, job.OpenId),
            Enumerable.Range(from, parts.Count - from).Where(i => !state.IsPartSettled(i)).Select(i => parts[i]),
            TimeSpan.FromHours(options.Value.PendingTtlHours));

    [LoggerMessage(Level = LogLevel.Information, Message = "WeChat limits reached for job msg {MsgId} (errcode {ErrCode}): {Parts} part(s) wait for the user's next message")]
    private static partial void LogLimited(ILogger logger, long msgId, int errCode, int parts);


    [LoggerMessage(Level = LogLevel.Information, Message = "Job msg {MsgId}: part {Part} was claimed by an attempt that stopped before WeChat answered; sending it again")]
    private static partial void LogTakenOver(ILogger logger, long msgId, int part);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job msg {MsgId}: WeChat may or may not have received part {Part} (it is not sent again)")]
    private static partial void LogAmbiguous(ILogger logger, Exception exception, long msgId, int part);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send the apology for job msg {MsgId}")]
    private static partial void LogApologyFailed(ILogger logger, Exception exception, long msgId);
}
