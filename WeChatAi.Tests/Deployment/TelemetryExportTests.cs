using System.Text;
using WeChatAi.Tests.Fakes;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Deployment;

/// <summary>
/// Telemetry leaves a deployed service through the standard OTEL_* variables only, to whatever collector the
/// platform names (the Aspire dashboard, an OpenTelemetry Collector, a vendor).
/// </summary>
public sealed class TelemetryExportTests(PostgresServer postgres)
{
    [Fact]
    public async Task The_api_exports_traces_metrics_and_logs_to_the_collector_named_by_OTEL_EXPORTER_OTLP_ENDPOINT()
    {
        const string ServiceName = "wechatai-api-otlp-test";
        await using var collector = await FakeOtlpCollector.StartAsync();
        await using var redis = await RedisServer.StartAsync();
        await using var api = await ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = await postgres.CreateMigratedDatabaseAsync(),
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.BaseAddress.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-otlp-api-key=otlp-test-key",
            ["OTEL_SERVICE_NAME"] = ServiceName,
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        });

        await api.GetStatusAsync("/api/ping");

        string[] signals = ["traces", "metrics", "logs"];
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!signals.All(s => collector.Exports.Any(e => e.Signal == s)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        var name = Encoding.UTF8.GetBytes(ServiceName);
        Assert.All(signals, signal =>
        {
            var export = collector.Exports.FirstOrDefault(e => e.Signal == signal);
            Assert.True(export is not null, $"no {signal} reached the collector");
            Assert.Equal("application/x-protobuf", export.ContentType);
            Assert.Equal("otlp-test-key", export.ApiKey);
            Assert.True(export.Body.AsSpan().IndexOf(name) >= 0, $"the {signal} carry service.name {ServiceName}");
        });
    }
}
