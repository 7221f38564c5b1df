using System.Net;
using System.Net.Sockets;
using WeChatAi.AppHost.Infrastructure.Local;

namespace WeChatAi.Tests.Infrastructure;

internal static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Free ports for Redis Cluster nodes: each also listens on its port + 10000, so each must be at most 55535 and
    /// its bus port free too. Picked below the ephemeral range (32768 and up) that the OS hands out by itself.
    /// </summary>
    public static IReadOnlyList<int> NextClusterPorts(int count)
    {
        var ports = new List<int>();
        var taken = new HashSet<int>(); // the ports and bus ports picked so far
        while (ports.Count < count)
        {
            var port = Random.Shared.Next(10_000, 32_768 - LocalRedisCluster.BusPortOffset);
            var bus = port + LocalRedisCluster.BusPortOffset;
            if (!taken.Contains(port) && !taken.Contains(bus) && LocalRedisCluster.IsFree(port) && LocalRedisCluster.IsFree(bus))
            {
                taken.UnionWith([port, bus]);
                ports.Add(port);
            }
        }

        return [.. ports];
    }

    /// <summary>The first of <paramref name="count"/> consecutive free ports whose bus ports are free too (the AppHost's <c>Redis:ClusterPort</c>).</summary>
    public static int NextClusterRange(int count)
    {
        while (true)
        {
            var first = Random.Shared.Next(10_000, 32_768 - LocalRedisCluster.BusPortOffset - count);
            if (LocalRedisCluster.FirstBusyPort(Enumerable.Range(first, count)) is null)
            {
                return first;
            }
        }
    }
}
