using System.Net;

namespace WeChatAi.Tests.Infrastructure;

/// <summary>
/// One of our services (API, worker, migrations) run on its own as a real process, the way production and the
/// benchmarks run it: <c>dotnet WeChatAi.Api.dll --urls http://127.0.0.1:PORT</c> with configuration in the environment.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private ServiceProcess(ChildProcess process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public string Output => _process.Output;

    /// <summary>Starts a web service and waits until it answers <c>/alive</c>.</summary>
    public static async Task<ServiceProcess> StartAsync(string project, IDictionary<string, string?> environment)
    {
        var port = FreePort.Next();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        var child = ChildProcess.Start("dotnet", [Repository.AssemblyPath(project), "--urls", baseAddress.ToString()], WithDefaults(environment));
        var service = new ServiceProcess(child, baseAddress);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (child.HasExited)
            {
                throw new InvalidOperationException($"{project} exited during startup:\n{child.Output}");
            }

            try
            {
                using var response = await service.Client.GetAsync(new Uri("/alive", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return service;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow >= deadline)
            {
                await service.DisposeAsync();
                throw new TimeoutException($"{project} did not answer /alive within 60 s:\n{child.Output}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Runs a service that does its job and exits (the migration service); returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToCompletionAsync(string project, IDictionary<string, string?> environment)
    {
        var child = ChildProcess.Start("dotnet", [Repository.AssemblyPath(project)], WithDefaults(environment));
        await using (child)
        {
            if (!await child.WaitForExitAsync(TimeSpan.FromSeconds(60)))
            {
                throw new TimeoutException($"{project} did not finish within 60 s:\n{child.Output}");
            }

            return (child.ExitCode, child.Output);
        }
    }

    /// <summary>Kills the process with SIGKILL, as a crash or the OOM killer would: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        _process.Signal("KILL");
        await _process.WaitForExitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Stops the process with SIGTERM, as the AppHost and container platforms do; returns its exit code.</summary>
    public async Task<int> StopAsync(TimeSpan grace)
    {
        await _process.StopAsync("TERM", grace);
        return _process.ExitCode;
    }

    public async Task<HttpStatusCode> GetStatusAsync(string path)
    {
        using var response = await Client.GetAsync(new Uri(path, UriKind.Relative));
        return response.StatusCode;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _process.DisposeAsync();
    }

    private static Dictionary<string, string?> WithDefaults(IDictionary<string, string?> environment) =>
        new(environment)
        {
            ["ASPNETCORE_ENVIRONMENT"] = environment.TryGetValue("ASPNETCORE_ENVIRONMENT", out var env) ? env : "Production",
            ["DOTNET_ENVIRONMENT"] = environment.TryGetValue("DOTNET_ENVIRONMENT", out var dotnetEnv) ? dotnetEnv : "Production",
        };
}
