using System.Net.Http.Json;
using WeChatAi.Simulator;

namespace WeChatAi.Tests.Simulator;

/// <summary>The simulator's fake LLM as the chat page's fault switches set it (<c>POST /sim/llm</c>).</summary>
internal static class SimulatedLlm
{
    /// <summary>
    /// Share of calls answered 503, at the simulator's default latency: tests share one AppHost, and one that left
    /// another latency behind would change what the next sees (the typing indicator shows only past WeChat:TypingDelayMs).
    /// </summary>
    public static async Task SetUnavailableAsync(HttpClient sim, double rate)
    {
        using var response = await sim.PostAsJsonAsync("/sim/llm", new { latencyMs = new LlmFaultOptions().LatencyMs, rateLimitedRate = 0.0, unavailableRate = rate, keepAliveRate = 0.0 }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
