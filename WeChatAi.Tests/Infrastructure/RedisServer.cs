using StackExchange.Redis;
using WeChatAi.AppHost.Infrastructure;
using WeChatAi.AppHost.Infrastructure.Local;

namespace WeChatAi.Tests.Infrastructure;

/// <summary>A real <c>redis-server</c> on a free port, in a folder of its own, with the AppHost's durability settings.</summary>
internal sealed class RedisServer : ITestRedis
{
    private readonly string _directory;
    private ChildProcess? _process;

    private RedisServer(string directory, int port)
    {
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        var server = Create();
        await server.RunAsync();
        return server;
    }

    /// <summary>A server with its port and folder chosen but not running yet (<see cref="RunAsync"/> starts it).</summary>
    public static RedisServer Create() => new(Directory.CreateTempSubdirectory("wechatai-redis-").FullName, FreePort.Next());

    /// <summary>Starts the server again on the same port and data folder, as an operator restarting Redis would.</summary>
    public async Task RunAsync()
    {
        _process = ChildProcess.Start(LocalBinaries.RedisServer(),
            ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _directory, .. RedisSettings.DurableQueueArguments]);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                await using var connection = await ConnectionMultiplexer.ConnectAsync($"{ConnectionString},connectTimeout=500");
                await connection.GetDatabase().PingAsync();
                return;
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(50);
            }
            catch (RedisConnectionException ex)
            {
                throw new InvalidOperationException($"redis-server did not start: {_process.Output}", ex);
            }
        }
    }

    /// <summary>Kills the server abruptly, as a crash would.</summary>
    public async Task KillAsync()
    {
        if (_process is not null)
        {
            await _process.StopAsync("KILL");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }
}
