using StackExchange.Redis;
using WeChatAi.Core.Redis;
using WeChatAi.Core.Queue;
using WeChatAi.Worker.Common;

namespace WeChatAi.Worker.Ordering;

/// <summary>
/// One user's messages are answered one at a time, in the order they were sent, across every worker: each entry is
/// registered in its user's turn set (<see cref="WorkerKeys.Turns"/>, scored by stream id) in the same script that
/// reads it, and a job runs only when it is the oldest registered entry of its user. Different users never wait for
/// each other.
/// </summary>
internal sealed partial class UserTurns(IConnectionMultiplexer redis, TimeProvider time, ILogger<UserTurns> logger)
{
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan LastPoll = TimeSpan.FromMilliseconds(250);

    private static readonly RedisScript<ReadCall> ReadScript = RedisScript.Load<ReadCall>(typeof(UserTurns), "UserTurns.Read.lua");

    /// <summary>How long a user's turn set outlives its last registration (a job never waits that long).</summary>
    private static readonly TimeSpan TurnsTtl = TimeSpan.FromDays(3);

    private int _waiting;

    /// <summary>Jobs of this process waiting for their turn right now: each holds a concurrency slot it does not use.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>XREADGROUP of up to <paramref name="count"/> new entries of the shard's stream, each registered for its user's turn.</summary>
    public async Task<StreamEntry[]> ReadAsync(JobShard shard, string consumer, int count)
    {
        var result = await ReadScript.EvaluateAsync(redis.GetDatabase(),
            new ReadCall(QueueKeys.JobStream(shard), QueueKeys.ConsumerGroup, consumer, count, WorkerKeys.TurnsPrefix(shard), (long)TurnsTtl.TotalSeconds));
        var entries = (RedisResult[])result!;
        var read = new StreamEntry[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = (RedisResult[])entries[i]!;
            var fields = (RedisValue[])entry[1]!;
            var values = new NameValueEntry[fields.Length / 2];
            for (var f = 0; f < values.Length; f++)
            {
                values[f] = new NameValueEntry(fields[2 * f], fields[(2 * f) + 1]);
            }

            read[i] = new StreamEntry((RedisValue)entry[0], values);
        }

        return read;
    }

    /// <summary>
    /// Waits until no older entry of the user is unfinished. An older entry that is no longer pending in the group
    /// (acknowledged or trimmed without being released) is removed on the way.
    /// </summary>
    public async Task WaitForTurnAsync(JobShard shard, AiJob job, RedisValue entryId, CancellationToken cancellationToken)
    {
        var key = WorkerKeys.Turns(shard, job.AppId, job.OpenId);
        var poll = FirstPoll;
        var waited = false;
        try
        {
            while (true)
            {
                try
                {
                    var db = redis.GetDatabase();
                    var oldest = await db.SortedSetRangeByRankAsync(key, 0, 0);
                    if (oldest.Length == 0 || oldest[0] == entryId)
                    {
                        return; // not registered (read before ordering existed, or the set expired): nothing to wait for
                    }

                    var pending = await db.StreamPendingMessagesAsync(QueueKeys.JobStream(shard), QueueKeys.ConsumerGroup, 1, RedisValue.Null, oldest[0], oldest[0]);
                    if (pending.Length == 0)
                    {
                        await db.SortedSetRemoveAsync(key, oldest[0]);
                        continue;
                    }

                    if (!waited)
                    {
                        LogWaiting(logger, job.MsgId, oldest[0]);
                        waited = true;
                        Interlocked.Increment(ref _waiting);
                    }
                }
                catch (Exception ex) when (RedisFailures.IsTransient(ex))
                {
                    LogRedisError(logger, ex, job.MsgId);
                }

                await Task.Delay(poll, time, cancellationToken);
                poll = TimeSpan.FromMilliseconds(Math.Min(poll.TotalMilliseconds * 2, LastPoll.TotalMilliseconds));
            }
        }
        finally
        {
            if (waited)
            {
                Interlocked.Decrement(ref _waiting);
            }
        }
    }

    /// <summary>The job ended: the user's next message may go.</summary>
    public static Task ReleaseAsync(IDatabaseAsync db, JobShard shard, AiJob job, RedisValue entryId) =>
        db.SortedSetRemoveAsync(WorkerKeys.Turns(shard, job.AppId, job.OpenId), entryId);

    /// <param name="TurnsPrefix">The shard's turn sets' key prefix (<see cref="WorkerKeys.TurnsPrefix"/>, with the stream's hash tag), completed from each entry's job.</param>
    private sealed record ReadCall(RedisKey Stream, string Group, string Consumer, int Count, string TurnsPrefix, long TurnsTtlSeconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job msg {MsgId} waits for the user's earlier message {EntryId}")]
    private static partial void LogWaiting(ILogger logger, long msgId, RedisValue entryId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis error while job msg {MsgId} waited for its turn; trying again")]
    private static partial void LogRedisError(ILogger logger, Exception exception, long msgId);
}
