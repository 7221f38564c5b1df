using WeChatAi.Core.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Replies;
using WeChatAi.Core.WeChat;
using WeChatAi.Core.WeChatApi;
using WeChatAi.Worker.Common;

namespace WeChatAi.Worker.Delivery;

/// <summary>
/// Shows the user "对方正在输入" while the answer is computed and has not come within <c>WeChat:TypingDelayMs</c> (<c>WeChat:AckMode</c> typing or both), within WeChat's
/// rules: only within 30 s of the user's message (else 45080), lasting 15 s, not again while it is shown (45081), ended
/// by any message sent (the job's completion deletes <see cref="WorkerKeys.Typing"/> then). Its markers (once per job,
/// not while shown) are set by the attempt's first call (<see cref="JobState.StartAsync"/>), given <see cref="ShownFor"/>.
/// It is a courtesy: no outcome of it ever fails or delays a job.
/// </summary>
internal sealed partial class TypingIndicator(
    WeChatApiClient api,
    AccessTokenProvider tokens,
    IConnectionMultiplexer redis,
    JobShards shards,
    IOptions<WeChatOptions> options,
    TimeProvider time,
    WorkerMetrics metrics,
    ILogger<TypingIndicator> logger)
{
    private static readonly TimeSpan RecentMessage = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Shown = TimeSpan.FromSeconds(15);

    public bool IsEnabled => options.Value.AckMode != AckMode.Text;

    /// <summary>How long the user's typing key lives: as long as WeChat shows the indicator.</summary>
    public static TimeSpan ShownFor => Shown;

    /// <summary>WeChat would show it for <paramref name="job"/>: it is on and the message recent (else 45080: the job waited in the queue too long).</summary>
    public bool CanShow(AiJob job) => IsEnabled && time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(job.ReceivedAtUnixMs) <= RecentMessage;

    /// <summary>
    /// Sends the typing command unless <paramref name="answered"/> comes within <see cref="WeChatOptions.TypingDelayMs"/>;
    /// <paramref name="keySet"/> when the attempt's first call set the user's typing key, else (a voice job, decided
    /// once transcribed) it is set here first, and nothing is sent if it already existed.
    /// </summary>
    /// <param name="answered">Cancelled when the answer is back (or the job stops): no typing is needed any more.</param>
    public async Task ShowAsync(AiJob job, bool keySet, CancellationToken answered, CancellationToken cancellationToken)
    {
        if (options.Value.TypingDelayMs > 0)
        {
            // Not thrown when cancelled: the answer coming first is the common case, and an exception per job cost ~2 % of its CPU.
            await Task.Delay(TimeSpan.FromMilliseconds(options.Value.TypingDelayMs), time, answered).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (answered.IsCancellationRequested)
            {
                return; // the answer came first: the user saw no wait
            }
        }

        if (!CanShow(job))
        {
            return;
        }

        try
        {
            if (!keySet && !await redis.GetDatabase().StringSetAsync(WorkerKeys.Typing(shards.Of(job.OpenId), job.AppId, job.OpenId), 1, Shown, When.NotExists))
            {
                return;
            }

            var token = await tokens.GetAsync(cancellationToken);
            var result = await api.TypingAsync(token, job.OpenId, cancellationToken);
            if (result.ErrCode is WeChatErrorCodes.TypingTooLate or WeChatErrorCodes.AlreadyTyping)
            {
                LogNotShown(logger, job.MsgId, result.ErrCode);
            }
            else if (result.ErrCode != 0)
            {
                metrics.PushError(result.ErrCode);
                LogFailed(logger, null, job.MsgId, result.ErrCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
#pragma warning disable CA1031 // Whatever went wrong, the answer goes on; the task the pipeline awaits never faults.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                LogFailed(logger, ex, job.MsgId, ex.GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Typing not shown for job msg {MsgId}: WeChat answered {ErrCode}")]
    private static partial void LogNotShown(ILogger logger, long msgId, int errCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Typing indicator for job msg {MsgId} failed ({Reason}); the answer is not affected")]
    private static partial void LogFailed(ILogger logger, Exception? exception, long msgId, string reason);
}
