using Microsoft.EntityFrameworkCore;
using Npgsql;
using WeChatAi.AppHost.Infrastructure.Local;
using WeChatAi.Core.Data;

namespace WeChatAi.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL cluster on a free port in a temporary folder, created the way the AppHost's local mode does,
/// shared by the whole test run; each test class takes a fresh database from it.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private string _root = string.Empty;
    private ChildProcess? _process;
    private LocalPostgresCluster? _cluster;
    private int _port;

    public string ServerConnectionString =>
        $"Host=127.0.0.1;Port={_port};Username={LocalPostgresCluster.Superuser};Password={_cluster!.Password}";

    public async ValueTask InitializeAsync()
    {
        _root = Directory.CreateTempSubdirectory("wechatai-postgres-").FullName;
        _cluster = LocalPostgresCluster.Ensure(_root);
        _port = FreePort.Next();
        await RunAsync();
    }

    /// <summary>
    /// Starts the server (again, on the same port and data folder, as an operator restarting PostgreSQL would) and
    /// waits until it accepts connections.
    /// </summary>
    public async Task RunAsync()
    {
        var postgres = Path.Combine(LocalBinaries.PostgresBinDirectory(), "postgres");
        var (command, prefix) = LocalBinaries.AsPostgresUser(postgres);
        var arguments = prefix.Concat(_cluster!.ServerArguments(_port).Select(a => Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture)!));
        _process = ChildProcess.Start(command, arguments, workingDirectory: _cluster.DataDirectory);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ServerConnectionString + ";Pooling=false;Timeout=2");
                await connection.OpenAsync();
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(100);
            }
            catch (NpgsqlException ex)
            {
                throw new InvalidOperationException($"postgres did not start: {_process.Output}", ex);
            }
        }
    }

    /// <summary>
    /// Stops the server (fast shutdown: clients are disconnected) until <see cref="RunAsync"/>. Only on a server of the
    /// test's own, never the shared one.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.StopAsync("INT");
            await _process.DisposeAsync();
            _process = null;
        }
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(ServerConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return $"{ServerConnectionString};Database={name}";
    }

    /// <summary>Creates a database with the schema of the current migrations.</summary>
    public async Task<string> CreateMigratedDatabaseAsync()
    {
        var connectionString = await CreateDatabaseAsync();
        await using var db = new WeChatDbContext(new DbContextOptionsBuilder<WeChatDbContext>().UseNpgsql(connectionString).Options);
        await db.Database.MigrateAsync();
        return connectionString;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_process is not null)
        {
            // SIGINT is PostgreSQL's fast shutdown: it does not wait for clients to disconnect.
            await _process.StopAsync("INT");
            await _process.DisposeAsync();
        }

        if (_root.Length > 0)
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
