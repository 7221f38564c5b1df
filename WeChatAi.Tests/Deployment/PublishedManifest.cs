using System.Text.Json;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Deployment;

/// <summary>
/// The manifest as azd gets it: the built AppHost run as a process with <c>--publisher manifest --output-path …</c>,
/// on this machine with no container engine and no network.
/// </summary>
internal sealed class PublishedManifest
{
    private PublishedManifest(string text, string log)
    {
        Text = text;
        Log = log;
        using var document = JsonDocument.Parse(text);
        Resources = document.RootElement.GetProperty("resources").Clone();
    }

    public string Text { get; }

    /// <summary>What the AppHost printed while publishing.</summary>
    public string Log { get; }

    public JsonElement Resources { get; }

    public JsonElement this[string resource] => Resources.GetProperty(resource);

    public IEnumerable<string> Names => Resources.EnumerateObject().Select(r => r.Name);

    /// <summary>The resource's environment variable, or null when it has none of that name.</summary>
    public string? Env(string resource, string variable) =>
        this[resource].TryGetProperty("env", out var env) && env.TryGetProperty(variable, out var value) ? value.GetString() : null;

    public static async Task<PublishedManifest> PublishAsync(IDictionary<string, string?> environment)
    {
        var (exitCode, log, text) = await RunAsync(environment);
        Assert.True(exitCode == 0 && text is not null, $"The AppHost did not publish (exit code {exitCode}):\n{log}");
        return new PublishedManifest(text!, log);
    }

    /// <summary>Runs the AppHost's manifest publisher; the manifest's text is null when it wrote none.</summary>
    public static async Task<(int ExitCode, string Log, string? Text)> RunAsync(IDictionary<string, string?> environment)
    {
        var directory = Directory.CreateTempSubdirectory("wechatai-manifest-").FullName;
        try
        {
            var path = Path.Combine(directory, "aspire-manifest.json");
            var environmentWithDefaults = new Dictionary<string, string?>(environment)
            {
                // Production: no user secrets of the machine running the tests take part.
                ["DOTNET_ENVIRONMENT"] = "Production",
            };
            await using var appHost = ChildProcess.Start(
                "dotnet", [Repository.AssemblyPath("WeChatAi.AppHost"), "--publisher", "manifest", "--output-path", path], environmentWithDefaults);
            if (!await appHost.WaitForExitAsync(TimeSpan.FromSeconds(60)))
            {
                throw new TimeoutException($"The AppHost did not finish publishing within 60 s:\n{appHost.Output}");
            }

            return (appHost.ExitCode, appHost.Output, File.Exists(path) ? await File.ReadAllTextAsync(path) : null);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
