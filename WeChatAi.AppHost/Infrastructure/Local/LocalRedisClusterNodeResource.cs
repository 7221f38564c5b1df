namespace WeChatAi.AppHost.Infrastructure.Local;

/// <summary>One <c>redis-server</c> of a <see cref="LocalRedisClusterResource"/>, on a fixed port: nodes.conf remembers its peers by port.</summary>
public sealed class LocalRedisClusterNodeResource(string name, string command, string workingDirectory, int port, LocalRedisClusterResource parent)
    : ExecutableResource(name, command, workingDirectory), IResourceWithParent<LocalRedisClusterResource>, IResourceWithConnectionString
{
    public int Port { get; } = port;

    public LocalRedisClusterResource Parent { get; } = parent;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{LocalRedisCluster.ConnectionString([Port])}");
}
