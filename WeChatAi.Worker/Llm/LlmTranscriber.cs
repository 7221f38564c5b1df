using Microsoft.Extensions.Options;
using OpenAI.Audio;
using WeChatAi.Worker.Common;

namespace WeChatAi.Worker.Llm;

/// <summary>
/// Speech to text over an OpenAI-compatible <c>POST /audio/transcriptions</c> (multipart, the OpenAI SDK's own
/// client), <see cref="LlmOptions.TranscriptionModel"/>, within <see cref="LlmOptions.TimeoutSeconds"/>. Each
/// transcription counts as one of the overview's llm calls.
/// </summary>
internal sealed class LlmTranscriber(AudioClient audio, IOptions<LlmOptions> options, ServiceCallStats calls)
{
    /// <param name="fileName">Its extension tells the endpoint the format (<c>voice.amr</c>, <c>voice.wav</c>).</param>
    /// <returns>The text, trimmed; empty when the endpoint heard nothing.</returns>
    public async Task<string> TranscribeAsync(ReadOnlyMemory<byte> audioBytes, string fileName, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.HasTranscription)
        {
            throw new InvalidOperationException("A voice job arrived but Llm:TranscriptionModel is not set for the worker.");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(settings.TimeoutSeconds));
        try
        {
            using var stream = new MemoryStream(audioBytes.ToArray(), writable: false);
            var result = await audio.TranscribeAudioAsync(
                stream, fileName, new AudioTranscriptionOptions { ResponseFormat = AudioTranscriptionFormat.Simple }, deadline.Token);
            calls.LlmCall(failed: false);
            return result.Value.Text?.Trim() ?? string.Empty;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            calls.LlmCall(failed: true);
            if (ex is OperationCanceledException)
            {
                throw new TimeoutException($"The transcription endpoint did not answer within Llm:TimeoutSeconds ({settings.TimeoutSeconds} s).");
            }

            throw;
        }
    }
}
