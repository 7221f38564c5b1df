using System.Globalization;
using System.Net.Sockets;
using System.Text;
using WeChatAi.AppHost.Infrastructure;
using WeChatAi.AppHost.Infrastructure.Local;

namespace WeChatAi.Tests.Infrastructure;

/// <summary>One <c>redis-server</c> of a <see cref="RedisCluster"/>: its port, its own folder (nodes.conf, AOF), its process.</summary>
internal sealed class RedisClusterNode(int port, string directory) : IAsyncDisposable
{
    private ChildProcess? _process;

    public int Port { get; } = port;

    public bool IsRunning => _process is { HasExited: false };

    public string Output => _process?.Output ?? string.Empty;

    /// <summary>Starts the node (again, on the same port and folder: it rejoins as its nodes.conf says) and returns once it answers PING.</summary>
    public async Task RunAsync()
    {
        Directory.CreateDirectory(directory);
        _process = ChildProcess.Start(LocalBinaries.RedisServer(), LocalRedisCluster.NodeArguments(Port, directory, RedisSettings.DefaultDurability));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await AnswersPingAsync())
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"redis-server on {Port} did not start: {_process.Output}");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>SIGKILL, as a crashed machine: no AOF flush, no goodbye to the other nodes.</summary>
    public async Task KillAsync()
    {
        if (_process is not null)
        {
            await _process.StopAsync("KILL");
        }
    }

    /// <summary>The node's own cluster id.</summary>
    public async Task<string> IdAsync() => (await CliAsync("cluster", "myid")).Trim();

    /// <summary>A command to this node through redis-cli (a cluster's admin commands have no key to route by).</summary>
    public Task<string> CliAsync(params string[] command) =>
        LocalRedisCluster.RedisCliAsync(["-p", Port.ToString(CultureInfo.InvariantCulture), .. command], TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }

    /// <summary>A bare RESP PING: cheaper than a client that would discover the (not yet formed) cluster first.</summary>
    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
