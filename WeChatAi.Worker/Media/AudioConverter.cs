using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace WeChatAi.Worker.Media;

/// <summary>ffmpeg is not where <see cref="MediaOptions.FfmpegPath"/> says.</summary>
internal sealed class FfmpegUnavailableException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Converts WeChat's voice files (AMR, speex) for a transcription endpoint that does not take them, with ffmpeg as a
/// child process (stdin to stdout, no temporary files), killed after <see cref="MediaOptions.ConversionTimeoutSeconds"/>.
/// </summary>
internal sealed class AudioConverter(IOptions<MediaOptions> options)
{
    /// <param name="format"><c>wav</c> (16 kHz mono PCM) or <c>mp3</c>.</param>
    public async Task<byte[]> ConvertAsync(byte[] audio, string format, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var start = new ProcessStartInfo(settings.FfmpegPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] output = format switch
        {
            "wav" => ["-f", "wav"],
            "mp3" => ["-b:a", "32k", "-f", "mp3"],
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Only wav and mp3 are produced."),
        };
        foreach (var argument in (string[])["-hide_banner", "-loglevel", "error", "-i", "pipe:0", "-ac", "1", "-ar", "16000", .. output, "pipe:1"])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw new FfmpegUnavailableException($"ffmpeg could not be started from Media:FfmpegPath ('{settings.FfmpegPath}'): {ex.Message}", ex);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(settings.ConversionTimeoutSeconds));
        try
        {
            // All three pipes at once: ffmpeg blocks writing when nobody reads its output.
            var write = WriteAndCloseAsync(process.StandardInput.BaseStream, audio, deadline.Token);
            var errors = process.StandardError.ReadToEndAsync(deadline.Token);
            using var converted = new MemoryStream();
            await process.StandardOutput.BaseStream.CopyToAsync(converted, deadline.Token);
            await Task.WhenAll(write, errors);
            await process.WaitForExitAsync(deadline.Token);
            if (process.ExitCode != 0 || converted.Length == 0)
            {
                throw new InvalidOperationException($"ffmpeg could not convert the voice file to {format} (exit code {process.ExitCode}): {(await errors).Trim()}");
            }

            return converted.ToArray();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"ffmpeg took longer than Media:ConversionTimeoutSeconds ({settings.ConversionTimeoutSeconds} s).");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task WriteAndCloseAsync(Stream input, byte[] audio, CancellationToken cancellationToken)
    {
        try
        {
            await input.WriteAsync(audio, cancellationToken);
        }
        catch (IOException)
        {
            // ffmpeg stopped reading (it rejected the input): its exit code and stderr say why.
        }
        finally
        {
            await input.DisposeAsync();
        }
    }
}
