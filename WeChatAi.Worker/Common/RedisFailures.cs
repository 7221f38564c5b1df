using StackExchange.Redis;

namespace WeChatAi.Worker.Common;

internal static class RedisFailures
{
    /// <summary>
    /// A Redis call that failed because Redis is away or too slow: worth waiting for and trying again. A timeout is a
    /// <see cref="TimeoutException"/>, not a <see cref="RedisException"/>: missing it once let a busy machine end the
    /// worker's read loop for good, silently, with jobs piling up unread.
    /// </summary>
    public static bool IsTransient(Exception ex) => ex is RedisException or RedisTimeoutException;
}
