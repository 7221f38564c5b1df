namespace WeChatAi.AppHost.Infrastructure.Local;

/// <summary>
/// Finds the Redis and PostgreSQL programs of this machine and says which package to install when one is
/// missing. Shared with the tests, which start the same programs the same way.
/// </summary>
public static class LocalBinaries
{
    public const string PostgresUser = "postgres";

    public static string RedisServer() =>
        FindOnPath("redis-server")
        ?? throw new InvalidOperationException(
            "redis-server was not found on PATH. Install it (Debian/Ubuntu: apt-get install redis-server; " +
            "macOS: brew install redis) or set Infrastructure:Mode to containers or external.");

    /// <summary><c>redis-cli</c>, which forms a local Redis Cluster (it ships in the same package as redis-server).</summary>
    public static string RedisCli() =>
        FindOnPath("redis-cli")
        ?? throw new InvalidOperationException(
            "redis-cli was not found on PATH. Install it (Debian/Ubuntu: apt-get install redis-tools; " +
            "macOS: brew install redis) or set Redis:Topology to single or Infrastructure:Mode to external.");

    /// <summary>The folder holding <c>postgres</c> and <c>initdb</c> (Debian keeps them off PATH).</summary>
    public static string PostgresBinDirectory()
    {
        var candidates = new List<string>();
        if (FindOnPath("pg_config") is { } pgConfig)
        {
            candidates.Add(Path.GetDirectoryName(ResolveLink(pgConfig))!);
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            candidates.AddRange(Directory.GetDirectories(debianRoot)
                .Select(version => Path.Combine(version, "bin"))
                .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var major) ? major : 0));
        }

        if (FindOnPath("postgres") is { } postgres)
        {
            candidates.Add(Path.GetDirectoryName(ResolveLink(postgres))!);
        }

        return candidates.FirstOrDefault(dir => File.Exists(Path.Combine(dir, "postgres")) && File.Exists(Path.Combine(dir, "initdb")))
            ?? throw new InvalidOperationException(
                "PostgreSQL (postgres and initdb) was not found. Install it (Debian/Ubuntu: apt-get install postgresql; " +
                "macOS: brew install postgresql) or set Infrastructure:Mode to containers or external.");
    }

    /// <summary>postgres refuses to run as root; as root we drop to the <c>postgres</c> user with setpriv, which execs so signals reach postgres.</summary>
    public static bool MustDropRoot => Environment.UserName == "root";

    public static (string Command, string[] Arguments) AsPostgresUser(string program, params string[] arguments) =>
        MustDropRoot
            ? ("setpriv", ["--reuid=" + PostgresUser, "--regid=" + PostgresUser, "--init-groups", program, .. arguments])
            : (program, arguments);

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);

    private static string ResolveLink(string path) =>
        new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
}
