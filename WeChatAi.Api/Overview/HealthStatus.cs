using WeChatAi.Core.Stats;

namespace WeChatAi.Api.Overview;

/// <summary>The states of <see cref="ServiceHealth"/> and how a service's recent calls map to them.</summary>
internal static class HealthStatus
{
    public const string Idle = "idle";
    public const string Ok = "ok";
    public const string Degraded = "degraded";
    public const string Down = "down";

    /// <summary>How far back the services' calls are counted.</summary>
    public const int WindowMinutes = 15;

    public const double DegradedRate = 0.05;
    public const double DownRate = 0.5;

    /// <summary>A store answered its ping (or did not: <paramref name="failure"/>).</summary>
    public static ServiceHealth Store(string name, TimeSpan? ping, string? failure) => ping is { } latency
        ? new(name, Ok, 1, 0, 0, $"ping {latency.TotalMilliseconds:0.0} ms")
        : new(name, Down, 1, 1, 1, $"unreachable: {failure}");

    /// <summary>idle without calls, down from <see cref="DownRate"/>, degraded from <see cref="DegradedRate"/>, else ok.</summary>
    public static ServiceHealth Service(string name, long calls, long errors)
    {
        var rate = calls == 0 ? 0 : Math.Min(1, (double)errors / calls);
        var status = calls == 0 ? Idle : rate >= DownRate ? Down : rate >= DegradedRate ? Degraded : Ok;
        return new(name, status, calls, errors, rate, $"last {WindowMinutes} min");
    }

    public static IEnumerable<string> Services => [StatsKeys.LlmService, StatsKeys.WeChatApiService];
}
