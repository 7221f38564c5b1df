using System.Net;

namespace WeChatAi.Tests.Infrastructure;

/// <summary>
/// One of our services (API, worker, migrations) run on its own as a real process, the way production and the
/// benchmarks run it: <c>dotnet WeChatAi.Api.dll --urls http://127.0.0.1:PORT</c> with configuration in the environment.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private readonly string _project;

    private ServiceProcess(ChildProcess process, Uri baseAddress, string project)
    {
        _process = process;
        _project = project;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public string Output => _process.Output;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts a web service and waits until it answers <c>/alive</c>.</summary>
    /// <param name="port">A port picked beforehand, when two services must know each other's address.</param>
    public static async Task<ServiceProcess> StartAsync(string project, IDictionary<string, string?> environment, int? port = null)
    {
        var service = Launch(project, environment, port);
        try
        {
            await service.WaitUntilAliveAsync(TimeSpan.FromSeconds(60));
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a web service and returns at once, before it listens.</summary>
    public static ServiceProcess Launch(string project, IDictionary<string, string?> environment, int? port = null)
    {
        var baseAddress = new Uri($"http://127.0.0.1:{port ?? FreePort.Next()}");
        var child = ChildProcess.Start("dotnet", [Repository.AssemblyPath(project), "--urls", baseAddress.ToString()], WithDefaults(environment));
        return new ServiceProcess(child, baseAddress, project);
    }

    public async Task WaitUntilAliveAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{_project} exited during startup:\n{Output}");
            }

            try
            {
                using var response = await Client.GetAsync(new Uri("/alive", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"{_project} did not answer /alive within {timeout.TotalSeconds:F0} s:\n{Output}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Whether the service's port accepts a TCP connection now.</summary>
    public async Task<bool> AcceptsConnectionsAsync()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync("127.0.0.1", BaseAddress.Port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
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
