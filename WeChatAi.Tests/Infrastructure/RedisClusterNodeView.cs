using System.Globalization;

namespace WeChatAi.Tests.Infrastructure;

/// <summary>One line of <c>CLUSTER NODES</c>: a node as the cluster sees it.</summary>
/// <param name="MasterId">The id of the master it replicates, or null for a master.</param>
/// <param name="Slots">The slot ranges it serves as written there (<c>0-5460</c>), empty for a replica.</param>
internal sealed record RedisClusterNodeView(string Id, int Port, bool IsMaster, bool Failed, string? MasterId, IReadOnlyList<string> Slots)
{
    public static IReadOnlyList<RedisClusterNodeView> Parse(string clusterNodes) =>
    [
        .. clusterNodes.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .Select(fields =>
            {
                // <id> <ip:port@cport> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot>...
                var address = fields[1].Split('@')[0];
                var flags = fields[2].Split(',');
                return new RedisClusterNodeView(
                    fields[0],
                    int.Parse(address[(address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture),
                    flags.Contains("master"),
                    flags.Contains("fail"),
                    fields[3] == "-" ? null : fields[3],
                    fields[8..]);
            }),
    ];
}
