using System.Net;
using System.Text.Json;
using Npgsql;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Worker;

namespace WeChatAi.Tests.Deployment;

/// <summary>
/// A deployed container runs in Production: its console is one JSON object per line for the platform's log store,
/// and no credential ever reaches it.
/// </summary>
public sealed class ProductionLoggingTests(PostgresServer postgres)
{
    [Fact]
    public async Task The_api_logs_json_lines_in_production_and_none_carries_a_credential()
    {
        const string Token = "log-test-token-1c9d";
        const string AesKey = "logTestAesKey0123456789abcdefghijklmnopqrst";
        await using var redis = await RedisServer.StartAsync();
        var database = await postgres.CreateMigratedDatabaseAsync();
        var api = await ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = database,
            ["WeChat__Token"] = Token,
            ["WeChat__AppId"] = "wxlogtest",
            ["WeChat__EncodingAESKey"] = AesKey,
        });
        await using (api)
        {
            Assert.Equal(HttpStatusCode.OK, await api.GetStatusAsync("/health"));
            Assert.Equal(HttpStatusCode.Unauthorized, await api.GetStatusAsync("/wechat?signature=forged&timestamp=1&nonce=n&echostr=e"));
        }

        // Stopped: the shutdown lines are in too.
        var records = JsonRecords(api.Output);
        Assert.Contains(records, r => r.Category == "Microsoft.Hosting.Lifetime" && r.Message.StartsWith("Now listening on", StringComparison.Ordinal));
        Assert.Contains(records, r => r.Category == "Microsoft.Hosting.Lifetime" && r.Message.Contains("shutting down", StringComparison.Ordinal));
        foreach (var secret in new[] { Token, AesKey, new NpgsqlConnectionStringBuilder(database).Password! })
        {
            Assert.DoesNotContain(secret, api.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_worker_answers_a_message_without_logging_its_app_secret_llm_key_or_access_token()
    {
        const string AppSecret = "log-test-app-secret-8e2f";
        const string LlmKey = "sk-log-test-llm-key-41b7";
        await using var harness = await WorkerHarness.StartAsync(postgres);
        var worker = await harness.StartWorkerAsync(new Dictionary<string, string?>
        {
            ["WeChat__AppSecret"] = AppSecret,
            ["Llm__ApiKey"] = LlmKey,
            // Even the HTTP client's request lines, which name each URL and its access_token query, are on.
            ["Logging__LogLevel__System.Net.Http"] = "Information",
            ["Logging__LogLevel__System.Net.Http.HttpClient"] = "Information",
        });

        await harness.EnqueueAsync("log-user", "你好");
        await harness.WaitUntilAsync(() => harness.WeChat.MessagesTo("log-user").Count == 1, "the answer");

        var output = worker.Output;
        var records = JsonRecords(output);
        Assert.Contains(records, r => r.Category.StartsWith("System.Net.Http.HttpClient", StringComparison.Ordinal) && r.Message.Contains("/cgi-bin/message/custom/send", StringComparison.Ordinal));
        var accessToken = Assert.Single(harness.WeChat.Messages).AccessToken;
        foreach (var secret in new[] { AppSecret, LlmKey, accessToken })
        {
            Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task In_development_the_console_stays_plain_text()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var api = await ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = await postgres.CreateMigratedDatabaseAsync(),
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
        });

        Assert.Contains("info: Microsoft.Hosting.Lifetime", api.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("{\"Timestamp\"", api.Output, StringComparison.Ordinal);
    }

    private sealed record LogRecord(string Category, string Message);

    /// <summary>Every console line, each asserted to be a JSON log record with a UTC timestamp.</summary>
    private static List<LogRecord> JsonRecords(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(line =>
        {
            using var record = JsonDocument.Parse(line);
            var root = record.RootElement;
            Assert.EndsWith("Z", root.GetProperty("Timestamp").GetString(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(root.GetProperty("LogLevel").GetString()), line);
            return new LogRecord(root.GetProperty("Category").GetString()!, root.GetProperty("Message").GetString()!);
        }).ToList();
}
