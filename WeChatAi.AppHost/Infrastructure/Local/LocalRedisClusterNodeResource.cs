namespace WeChatAi.AppHost.Infrastructure.Local;

/// <summary>
/// One <c>redis-server</c> of a <see cref="LocalRedisClusterResource"/>, on a fixed port: nodes.conf remembers its peers
/// by port. Shown under the cluster in the dashboard, but not its child for Aspire (<c>IResourceWithParent</c>): a child
/// inherits its parent's health check, and a node must be healthy (answer PING) before the cluster can be formed.
/// </summary>
public sealed class LocalRedisClusterNodeResource(string name, string command, string workingDirectory, int port, LocalRedisClusterResource cluster)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public int Port { get; } = port;

    public LocalRedisClusterResource Cluster { get; } = cluster;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{LocalRedisCluster.ConnectionString([Port])}");
}
