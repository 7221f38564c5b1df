using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace WeChatAi.AppHost.Infrastructure.Local;

/// <summary>
/// A Redis Cluster of <c>redis-server</c> processes on this machine: each node's arguments, forming the cluster once,
/// and whether it is whole. Shared with the tests, which start throw-away clusters the same way.
/// </summary>
public static class LocalRedisCluster
{
    public const int Slots = 16384;

    /// <summary>Every node also listens on its port + 10000 (the cluster bus), so its port can be at most 55535.</summary>
    public const int BusPortOffset = 10000;

    public const int HighestPort = IPEndPoint.MaxPort - BusPortOffset;

    /// <summary>The AppHost's cluster: 3 masters, each with one replica.</summary>
    public const int LocalNodes = 6;

    /// <summary>A dead master's replica is promoted after about this plus an election (2–4 s here), well inside WeChat's retries.</summary>
    public const int NodeTimeoutMs = 2000;

    /// <summary>The connection string: the node list, from which StackExchange.Redis discovers the cluster.</summary>
    public static string ConnectionString(IEnumerable<int> ports) =>
        string.Join(',', ports.Select(port => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}")));

    /// <summary>
    /// A node's arguments: loopback, its own folder (nodes.conf and the AOF survive a restart), the queue's durability.
    /// A replica syncs at once (Redis waits 5 s by default to serve several together): until it has synced, it cannot
    /// take over from its master.
    /// </summary>
    public static string[] NodeArguments(int port, string directory, RedisDurability durability) =>
    [
        "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory,
        "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
        "--cluster-node-timeout", NodeTimeoutMs.ToString(CultureInfo.InvariantCulture), "--repl-diskless-sync-delay", "0",
        .. RedisSettings.QueueArguments(durability),
    ];

    /// <summary>The first port that is busy among <paramref name="ports"/> and their bus ports, or null when all are free.</summary>
    public static int? FirstBusyPort(IEnumerable<int> ports) =>
        ports.SelectMany(port => new[] { port, port + BusPortOffset }).Cast<int?>().FirstOrDefault(port => !IsFree(port!.Value));

    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// Forms the cluster when no node has met another yet (the first start on these folders); a restart with nodes.conf
    /// in every folder finds the nodes rejoining by themselves and does nothing. Returns whether it formed the cluster.
    /// </summary>
    public static async Task<bool> CreateIfNewAsync(IReadOnlyList<int> ports, int replicasPerMaster, CancellationToken cancellationToken)
    {
        foreach (var port in ports)
        {
            var info = await InfoAsync(port, cancellationToken);
            if (info.GetValueOrDefault("cluster_known_nodes") != "1" || info.GetValueOrDefault("cluster_slots_assigned") != "0")
            {
                return false;
            }
        }

        await CreateAsync(ports, replicasPerMaster, cancellationToken);
        return true;
    }

    /// <summary>
    /// <c>redis-cli --cluster create</c>: the first <c>ports.Count / (replicasPerMaster + 1)</c> nodes become masters
    /// sharing the slots evenly, the others their replicas.
    /// </summary>
    public static Task CreateAsync(IReadOnlyList<int> ports, int replicasPerMaster, CancellationToken cancellationToken) =>
        RedisCliAsync(
            ["--cluster", "create", .. ports.Select(port => $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"),
             "--cluster-replicas", replicasPerMaster.ToString(CultureInfo.InvariantCulture), "--cluster-yes"],
            cancellationToken);

    /// <summary>Why the cluster cannot serve every key yet, or null when it can: <c>cluster_state:ok</c> and all 16,384 slots served.</summary>
    public static string? Unhealthy(IReadOnlyDictionary<string, string> clusterInfo)
    {
        var state = clusterInfo.GetValueOrDefault("cluster_state", "unknown");
        var slots = clusterInfo.GetValueOrDefault("cluster_slots_ok", "0");
        return state == "ok" && slots == Slots.ToString(CultureInfo.InvariantCulture)
            ? null
            : $"cluster_state:{state}, {slots} of {Slots} slots served";
    }

    /// <summary><c>CLUSTER INFO</c> of the node on <paramref name="port"/>, as its field names and values.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> InfoAsync(int port, CancellationToken cancellationToken)
    {
        var output = await RedisCliAsync(["-p", port.ToString(CultureInfo.InvariantCulture), "cluster", "info"], cancellationToken);
        return Parse(output);
    }

    /// <summary><c>CLUSTER INFO</c> through a StackExchange.Redis connection to one node.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> InfoAsync(IServer server) =>
        Parse((string?)await server.ExecuteAsync("CLUSTER", "INFO") ?? string.Empty);

    /// <summary>Runs <c>redis-cli</c> against this machine's nodes; returns its output, or throws with it when it fails.</summary>
    public static async Task<string> RedisCliAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        using var process = Process.Start(new ProcessStartInfo(LocalBinaries.RedisCli(), arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("Could not start redis-cli.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        // redis-cli exits 0 on a command's error reply too; --cluster reports its failures with [ERR].
        var text = await output;
        if (process.ExitCode != 0 || text.StartsWith("ERR", StringComparison.Ordinal) || text.Contains("[ERR]", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', arguments)} failed (exit {process.ExitCode}): {text.Trim()} {(await error).Trim()}");
        }

        return text;
    }

    private static Dictionary<string, string> Parse(string info) =>
        info.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1]);
}
