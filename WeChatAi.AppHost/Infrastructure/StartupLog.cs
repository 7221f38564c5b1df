using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WeChatAi.AppHost.Infrastructure;

/// <summary>Lines decided while the model is built, written to the AppHost log once logging runs.</summary>
public static class StartupLog
{
    private static readonly Action<ILogger, string, Exception?> Write =
        LoggerMessage.Define<string>(LogLevel.Information, new EventId(1, "Startup"), "{Message}");

    public static void LogAtStartup(this IDistributedApplicationBuilder builder, string message)
    {
        builder.Eventing.Subscribe<BeforeStartEvent>((@event, _) =>
        {
            var logger = @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger("WeChatAi.AppHost");
            Write(logger, message, null);
            return Task.CompletedTask;
        });
    }
}
