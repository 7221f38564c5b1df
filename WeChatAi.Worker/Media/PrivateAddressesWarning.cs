using Microsoft.Extensions.Options;

namespace WeChatAi.Worker.Media;

/// <summary>Says at startup when the development escape hatch is open, so it cannot stay on unnoticed in production.</summary>
internal sealed partial class PrivateAddressesWarning(IOptions<MediaOptions> options, ILogger<PrivateAddressesWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.AllowPrivateAddresses)
        {
            LogAllowed(logger, options.Value.AllowedImageHosts);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Media:AllowPrivateAddresses is on: PicUrls on Media:AllowedImageHosts ({Hosts}) may reach loopback and private addresses. For development only (the simulator); leave it off in production")]
    private static partial void LogAllowed(ILogger logger, string hosts);
}
