using Npgsql;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Foundation;

public sealed class MigrationServiceTests(PostgresServer postgres)
{
    [Fact]
    public async Task Migration_service_creates_the_schema_exits_zero_and_is_idempotent()
    {
        var database = await postgres.CreateDatabaseAsync();
        var environment = new Dictionary<string, string?> { ["ConnectionStrings__wechatdb"] = database };

        var first = await ServiceProcess.RunToCompletionAsync("WeChatAi.MigrationService", environment);
        Assert.True(first.ExitCode == 0, first.Output);
        var second = await ServiceProcess.RunToCompletionAsync("WeChatAi.MigrationService", environment);
        Assert.True(second.ExitCode == 0, second.Output);

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('wechat_users', 'chat_exchanges')", connection);
        Assert.Equal(2L, await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_first_migration_and_a_second_one_log_no_warning_or_error()
    {
        var environment = new Dictionary<string, string?> { ["ConnectionStrings__wechatdb"] = await postgres.CreateDatabaseAsync() };

        var first = await ServiceProcess.RunToCompletionAsync("WeChatAi.MigrationService", environment);
        var second = await ServiceProcess.RunToCompletionAsync("WeChatAi.MigrationService", environment);

        // EF's probe of a missing __EFMigrationsHistory is expected on an empty database, not a failure to show in red.
        Assert.Equal((0, 0), (first.ExitCode, second.ExitCode));
        var noisy = LogLines.WarningsAndErrors(first.Output).Concat(LogLines.WarningsAndErrors(second.Output)).ToList();
        Assert.True(noisy.Count == 0, string.Join('\n', noisy));
    }

    [Fact]
    public async Task Migration_service_fails_with_a_nonzero_exit_when_the_database_is_unreachable()
    {
        var result = await ServiceProcess.RunToCompletionAsync("WeChatAi.MigrationService", new Dictionary<string, string?>
        {
            ["ConnectionStrings__wechatdb"] = $"Host=127.0.0.1;Port={FreePort.Next()};Username=x;Password=x;Database=wechatdb;Timeout=2",
            // Aspire's default retries would wait out a minute of backoff before the same failure.
            ["Aspire__Npgsql__EntityFrameworkCore__PostgreSQL__DisableRetry"] = "true",
        });

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Database migration failed", result.Output, StringComparison.Ordinal);
    }
}
