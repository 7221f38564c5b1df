using System.Globalization;
using StackExchange.Redis;
using WeChatAi.AppHost.Infrastructure.Local;

namespace WeChatAi.Tests.Infrastructure;

/// <summary>A real <c>redis-server</c> replicating a <see cref="RedisServer"/>, ready once the master's WAIT counts it.</summary>
internal sealed class RedisReplica : IAsyncDisposable
{
    private readonly string _directory;

    private RedisReplica(ChildProcess process, string directory, int port)
    {
        Process = process;
        _directory = directory;
        Port = port;
    }

    public ChildProcess Process { get; }

    public int Port { get; }

    public static async Task<RedisReplica> StartAsync(RedisServer master)
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(master.ConnectionString + ",allowAdmin=true");
        var server = admin.GetServer(master.ConnectionString);

        // Else the master waits 5 s for more replicas before its first sync.
        await server.ConfigSetAsync("repl-diskless-sync-delay", "0");
        var port = FreePort.Next();
        var directory = Directory.CreateTempSubdirectory("wechatai-replica-").FullName;
        var process = ChildProcess.Start(LocalBinaries.RedisServer(),
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory, "--save", "",
             "--replicaof", "127.0.0.1", master.Port.ToString(CultureInfo.InvariantCulture)]);

        // Listed, then able to acknowledge: the first WAIT after the sync can take a while.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await server.RoleAsync() as Role.Master)?.Replicas.Count is not > 0 || (long)await server.ExecuteAsync("WAIT", 1, 100) < 1)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("The replica did not sync: " + process.Output);
            }

            await Task.Delay(50);
        }

        return new RedisReplica(process, directory, port);
    }

    public async ValueTask DisposeAsync()
    {
        Process.Signal("CONT");
        await Process.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
