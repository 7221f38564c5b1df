using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WeChatAi.AppHost.Simulation;

public static class DefaultMenu
{
    /// <summary>
    /// The README shows the menu 新对话 · 帮助 · 关于: once the simulator is ready, the AppHost has the API publish its
    /// menu (the saved one, else the default) to it, as an operator's "publish" would, unless the simulator already
    /// keeps a published menu from an earlier run (<c>menu.json</c> in its data folder). Only with the simulated
    /// account: a real account's menu is its operators' to publish.
    /// </summary>
    public static IResourceBuilder<ProjectResource> PublishesTheDefaultMenuOnFirstStart(
        this IResourceBuilder<ProjectResource> simulator, IResourceBuilder<ProjectResource> api, Func<CancellationToken, ValueTask<string?>> adminKey)
    {
        if (!SimulatesWeChat(simulator))
        {
            return simulator;
        }

        var apiEndpoint = api.GetEndpoint("http");
        simulator.OnResourceReady(async (_, @event, cancellationToken) =>
        {
            if (StateDirectory(simulator) is { } directory && File.Exists(Path.Combine(directory, "menu.json")))
            {
                return;
            }

            var logger = @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger("WeChatAi.AppHost");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(apiEndpoint.Url), "/api/admin/menu/publish"));
            request.Headers.Add("X-Admin-Key", await adminKey(cancellationToken));
            request.Headers.Add("X-Admin-Operator", "apphost");
            try
            {
                using var response = await http.SendAsync(request, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    LogNotPublished(logger, $"HTTP {(int)response.StatusCode}", null);
                }
            }
            catch (HttpRequestException exception)
            {
                LogNotPublished(logger, exception.Message, null);
            }
        });
        return simulator;
    }

    private static bool SimulatesWeChat(IResourceBuilder<ProjectResource> simulator) =>
        simulator.Resource.Annotations.OfType<SimulatedWeChatAnnotation>().Any();

    private static string? StateDirectory(IResourceBuilder<ProjectResource> simulator) =>
        simulator.Resource.Annotations.OfType<SimulatedWeChatAnnotation>().FirstOrDefault()?.StateDirectory;

    private static readonly Action<ILogger, string, Exception?> LogNotPublished = LoggerMessage.Define<string>(
        LogLevel.Warning, new EventId(4, "DefaultMenu"), "The default menu was not published to the simulator ({Reason}); publish it from the console's menu page.");
}

/// <summary>Marks a simulator that plays WeChat for a simulated account, with the folder keeping its state (local mode) or null.</summary>
internal sealed record SimulatedWeChatAnnotation(string? StateDirectory) : IResourceAnnotation;
