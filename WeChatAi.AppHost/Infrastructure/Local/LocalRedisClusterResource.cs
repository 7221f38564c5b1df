namespace WeChatAi.AppHost.Infrastructure.Local;

/// <summary>
/// A Redis Cluster of <see cref="LocalRedisClusterNodeResource"/>s on this machine, usable wherever a Redis is: its
/// connection string is the node list, and it is healthy once every slot is served.
/// </summary>
public sealed class LocalRedisClusterResource(string name, IReadOnlyList<int> ports) : Resource(name), IResourceWithConnectionString
{
    public IReadOnlyList<int> Ports { get; } = ports;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{LocalRedisCluster.ConnectionString(Ports)}");
}
