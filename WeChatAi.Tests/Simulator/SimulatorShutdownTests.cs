using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Simulator;

/// <summary>The simulator uses neither Redis nor PostgreSQL: it is ready when it listens, and stops cleanly.</summary>
public sealed class SimulatorShutdownTests
{
    [Fact]
    public async Task A_stopped_simulator_exits_0_and_logs_no_warning()
    {
        await using var simulator = await SimulatorProcess.StartAsync(new Uri($"http://127.0.0.1:{FreePort.Next()}/wechat"));
        await simulator.StableTokenAsync();

        // Only what the stop logs: run from the test folder, the simulator warns at startup that wwwroot is missing.
        var beforeStop = simulator.Output.Length;
        Assert.Equal(0, await simulator.StopAsync());
        Assert.Contains("Application is shutting down", simulator.Output[beforeStop..], StringComparison.Ordinal);
        Assert.Empty(LogLines.WarningsAndErrors(simulator.Output[beforeStop..]));
    }
}
