namespace WeChatAi.Api.Webhook;

/// <summary>
/// What the API needs of the worker's <c>Llm</c> section: whether images and voice files can be answered at all, so a
/// user whose message cannot be understood hears so at once, in the passive reply, and no job is queued.
/// </summary>
public sealed class MediaSupportOptions
{
    public const string Section = "Llm";

    /// <summary>The worker's vision model; without one, images get <see cref="WeChatWebhook.NoVisionText"/>.</summary>
    public string? VisionModel { get; set; }

    /// <summary>The worker's speech-to-text model; without one, voice without WeChat's recognition gets <see cref="WeChatWebhook.NoTranscriptionText"/>.</summary>
    public string? TranscriptionModel { get; set; }

    public bool AnswersImages => !string.IsNullOrWhiteSpace(VisionModel);

    public bool TranscribesVoice => !string.IsNullOrWhiteSpace(TranscriptionModel);
}
