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
/// Shows the user "对方正在输入" while the answer is computed (<c>WeChat:AckMode</c> typing or both), within WeChat's
/// rules: only within 30 s of the user's message (else 45080), lasting 15 s, not again while it is shown (45081), ended
/// by any message sent. It is a courtesy: no outcome of it ever fails or delays a job.
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

    public async Task ShowAsync(AiJob job, CancellationToken cancellationToken)
    {
        var age = time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(job.ReceivedAtUnixMs);
        if (age > RecentMessage)
        {
            return; // WeChat would refuse it (45080): the job waited in the queue too long.
        }

        try
        {
            if (!await redis.GetDatabase().StringSetAsync(WorkerKeys.Typing(shards.Of(job.OpenId), job.AppId, job.OpenId), 1, Shown, When.NotExists))
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

    /// <summary>A message was sent: WeChat ended the indicator, so the user's next job may show it again.</summary>
    public async Task EndedAsync(AiJob job)
    {
        try
        {
            await redis.GetDatabase().KeyDeleteAsync(WorkerKeys.Typing(shards.Of(job.OpenId), job.AppId, job.OpenId), CommandFlags.FireAndForget);
        }
        catch (RedisException ex)
        {
            LogFailed(logger, ex, job.MsgId, ex.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Typing not shown for job msg {MsgId}: WeChat answered {ErrCode}")]
    private static partial void LogNotShown(ILogger logger, long msgId, int errCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Typing indicator for job msg {MsgId} failed ({Reason}); the answer is not affected")]
    private static partial void LogFailed(ILogger logger, Exception? exception, long msgId, string reason);
}
