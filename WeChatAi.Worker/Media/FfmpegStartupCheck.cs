using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace WeChatAi.Worker.Media;

/// <summary>
/// Says at startup, once, when ffmpeg cannot be run: the worker still starts and answers everything else; voice
/// files that need converting (Llm:TranscriptionFormat other than <c>original</c>) get a "cannot hear this" reply.
/// </summary>
internal sealed partial class FfmpegStartupCheck(IOptions<MediaOptions> options, ILogger<FfmpegStartupCheck> logger) : BackgroundService
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var path = options.Value.FfmpegPath;
        try
        {
            using var process = Process.Start(new ProcessStartInfo(path, "-hide_banner -version")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            deadline.CancelAfter(Timeout);
            var version = await process.StandardOutput.ReadLineAsync(deadline.Token);
            await process.WaitForExitAsync(deadline.Token);
            if (process.ExitCode == 0)
            {
                LogFound(logger, path, version ?? string.Empty);
            }
            else
            {
                LogMissing(logger, path, $"exit code {process.ExitCode}");
            }
        }
        catch (Exception ex) when ((ex is Win32Exception or OperationCanceledException) && !stoppingToken.IsCancellationRequested)
        {
            LogMissing(logger, path, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ffmpeg found at Media:FfmpegPath ('{Path}'): {Version}")]
    private static partial void LogFound(ILogger logger, string path, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ffmpeg cannot be run from Media:FfmpegPath ('{Path}'): {Reason}. Voice messages without WeChat's recognition can be transcribed only if the endpoint takes AMR/speex as it comes (Llm:TranscriptionFormat=original); install ffmpeg or set Media:FfmpegPath")]
    private static partial void LogMissing(ILogger logger, string path, string reason);
}
