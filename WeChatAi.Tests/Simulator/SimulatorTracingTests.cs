using System.Text;
using WeChatAi.Tests.Fakes;

namespace WeChatAi.Tests.Simulator;

/// <summary>The chat page polls the simulator every second; those requests stay out of the dashboard's traces, the rest do not.</summary>
public sealed class SimulatorTracingTests
{
    [Fact]
    public async Task The_chat_pages_polling_is_not_traced_and_its_actions_are()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var collector = await FakeOtlpCollector.StartAsync();
        await using var webhook = await FakeWebhook.StartAsync();
        await using var simulator = await SimulatorProcess.StartAsync(webhook.Url, extra: new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.BaseAddress.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        });

        foreach (var poll in (string[])["/sim/status", "/sim/burst", "/sim/menu", "/sim/pay/orders"])
        {
            await simulator.Client.GetAsync(new Uri(poll, UriKind.Relative), ct);
        }

        await simulator.GetJsonAsync("/sim/users"); // a request of the page's user: traced

        var traced = Encoding.UTF8.GetBytes("/sim/users");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!collector.Exports.Any(e => e.Signal == "traces" && e.Body.AsSpan().IndexOf(traced) >= 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, ct);
        }

        var traces = collector.Exports.Where(e => e.Signal == "traces").Select(e => Encoding.UTF8.GetString(e.Body)).ToList();
        Assert.Contains(traces, t => t.Contains("/sim/users", StringComparison.Ordinal));
        Assert.DoesNotContain(traces, t => t.Contains("/sim/status", StringComparison.Ordinal) || t.Contains("/sim/burst", StringComparison.Ordinal)
            || t.Contains("/sim/menu", StringComparison.Ordinal) || t.Contains("/sim/pay/orders", StringComparison.Ordinal));
    }
}
