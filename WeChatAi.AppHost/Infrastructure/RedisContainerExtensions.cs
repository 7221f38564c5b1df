namespace WeChatAi.AppHost.Infrastructure;

public static class RedisContainerExtensions
{
    /// <summary>
    /// Adds <see cref="RedisSettings.QueueArguments"/> to the Redis container's command. <c>AddRedis</c> starts
    /// <c>/bin/sh -c "redis-server --requirepass …"</c>, so arguments after that script would go to sh and be ignored.
    /// </summary>
    public static IResourceBuilder<RedisResource> WithDurableQueueArguments(this IResourceBuilder<RedisResource> redis, RedisDurability durability) =>
        redis.WithArgs(context =>
        {
            var script = context.Args.IndexOf("-c") + 1;
            if (script == 0 || context.Args[script] is not string command || !command.StartsWith("redis-server", StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    "AddRedis no longer starts redis-server through '/bin/sh -c', so the durable queue arguments cannot be added to its command.");
            }

            context.Args[script] = $"{command} {string.Join(' ', RedisSettings.QueueArguments(durability))}";
        });
}
