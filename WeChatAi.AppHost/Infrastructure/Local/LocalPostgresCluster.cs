using System.Diagnostics;
using System.Security.Cryptography;

namespace WeChatAi.AppHost.Infrastructure.Local;

/// <summary>
/// A PostgreSQL data folder of our own: created once with initdb and a generated password, then reused on every
/// start so data survives restarts. Shared with the tests, which create throw-away clusters the same way.
/// </summary>
public sealed class LocalPostgresCluster
{
    public const string Superuser = "postgres";

    private LocalPostgresCluster(string dataDirectory, string password)
    {
        DataDirectory = dataDirectory;
        Password = password;
    }

    /// <summary>The PGDATA folder.</summary>
    public string DataDirectory { get; }

    public string Password { get; }

    /// <summary>Opens the cluster under <paramref name="root"/>, running initdb the first time.</summary>
    public static LocalPostgresCluster Ensure(string root)
    {
        Directory.CreateDirectory(root);
        if (LocalBinaries.MustDropRoot && !OperatingSystem.IsWindows())
        {
            // The postgres user must be able to pass through our folder to reach its data folder inside it.
            File.SetUnixFileMode(root, File.GetUnixFileMode(root) | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        var password = ReadOrCreatePassword(Path.Combine(root, "postgres.password"));
        var dataDirectory = Path.Combine(root, "postgres");
        if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
        {
            InitDb(dataDirectory, password);
        }

        return new LocalPostgresCluster(dataDirectory, password);
    }

    /// <summary>Arguments for <c>postgres</c>: loopback only, TCP only (no socket folder to own), room for replicas' pools.</summary>
    public object[] ServerArguments(object port) =>
    [
        "-D", DataDirectory, "-p", port,
        "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=400",
    ];

    private static string ReadOrCreatePassword(string path)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        File.WriteAllText(path, password);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return password;
    }

    private static void InitDb(string dataDirectory, string password)
    {
        Directory.CreateDirectory(dataDirectory);
        var passwordFile = Path.GetTempFileName();
        try
        {
            File.WriteAllText(passwordFile, password);
            if (LocalBinaries.MustDropRoot)
            {
                Run("chown", "-R", $"{LocalBinaries.PostgresUser}:{LocalBinaries.PostgresUser}", dataDirectory, passwordFile);
            }

            // Byte-order collation, but Unicode character classes: pg_trgm then indexes Chinese text (the console's search).
            var initdb = Path.Combine(LocalBinaries.PostgresBinDirectory(), "initdb");
            var (command, arguments) = LocalBinaries.AsPostgresUser(initdb,
                "-D", dataDirectory, "-U", Superuser, "--pwfile", passwordFile,
                "--auth=scram-sha-256", "--encoding=UTF8", "--lc-collate=C", "--lc-ctype=C.UTF-8", "--lc-messages=C");
            Run(command, arguments);
        }
        catch (InvalidOperationException ex) when (LocalBinaries.MustDropRoot)
        {
            throw new InvalidOperationException(
                $"{ex.Message} As root, PostgreSQL runs as the user '{LocalBinaries.PostgresUser}', which must be able to " +
                $"reach {dataDirectory}; set Infrastructure:DataDirectory to a folder it can reach.", ex);
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    private static void Run(string command, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException($"Could not start {command}.");
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(command)} failed (exit {process.ExitCode}): {stderr.Result.Trim()}");
        }
    }
}
