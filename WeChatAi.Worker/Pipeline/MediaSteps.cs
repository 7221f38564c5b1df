using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using WeChatAi.Core.Outbound;
using WeChatAi.Core.Queue;
using WeChatAi.Worker.Common;
using WeChatAi.Worker.Llm;
using WeChatAi.Worker.Media;

namespace WeChatAi.Worker.Pipeline;

/// <summary>
/// What an image or voice job takes besides the text path: a voice file downloaded, converted when the endpoint needs
/// it (Llm:TranscriptionFormat) and transcribed into the question; an image downloaded, size-checked and shown to the
/// vision model with the user's recent turns.
/// </summary>
internal sealed partial class MediaSteps(
    MediaDownloader downloader,
    ImageNormalizer images,
    AudioConverter converter,
    LlmTranscriber transcriber,
    LlmAnswerer llm,
    IOptions<LlmOptions> llmOptions,
    ILogger<MediaSteps> logger)
{
    public const string UnclearVoiceText = "没有听清这条语音，请再说一遍，或者发送文字。";
    public const string CannotHearText = "暂时还听不懂这条语音，请发送文字。";
    public const string UnreadableImageText = "这张图片打不开，请换一张，或者用文字描述您的问题。";

    /// <summary>
    /// A voice job becomes its transcription (stored in the job's state, so a retry does not transcribe again);
    /// other jobs stay as they are. <c>Reply</c> is set when the voice cannot be answered: that text is the answer.
    /// </summary>
    public async Task<(AiJob Job, StoredAnswer? Reply)> ToQuestionAsync(AiJob job, JobState state, CancellationToken cancellationToken)
    {
        if (job.Media is not { Kind: JobMedia.Voice } media)
        {
            return (job, null);
        }

        var question = state.Question;
        if (question is null)
        {
            try
            {
                question = await state.StoreQuestionAsync(await TranscribeAsync(media, cancellationToken));
            }
            catch (FfmpegUnavailableException ex)
            {
                LogNoFfmpeg(logger, ex, job.MsgId);
                return (job, new StoredAnswer(CannotHearText, 0, 0));
            }
        }

        return question.Length == 0 ? (job, new StoredAnswer(UnclearVoiceText, 0, 0)) : (job with { Content = question }, null);
    }

    public async Task<StoredAnswer> AnswerImageAsync(AiJob job, IReadOnlyList<ChatMessage> history, CancellationToken cancellationToken)
    {
        DownloadedMedia file;
        try
        {
            file = await downloader.DownloadImageAsync(job.Media!, cancellationToken);
        }
        catch (OutboundRefusedException ex)
        {
            // media/get failed and the PicUrl is not on WeChat's image hosts (or is internal): no retry can fetch it.
            LogRefusedPicUrl(logger, job.MsgId, ex.Message);
            return new StoredAnswer(UnreadableImageText, 0, 0);
        }

        PreparedImage image;
        try
        {
            image = await images.PrepareAsync(file.Bytes, cancellationToken);
        }
        catch (InvalidImageException ex)
        {
            LogUnreadableImage(logger, ex, job.MsgId, file.Bytes.Length);
            return new StoredAnswer(UnreadableImageText, 0, 0);
        }

        return await llm.AnswerImageAsync(history, image.Bytes, image.MediaType, cancellationToken);
    }

    private async Task<string> TranscribeAsync(JobMedia media, CancellationToken cancellationToken)
    {
        var file = await downloader.GetMediaAsync(media.MediaId, cancellationToken);
        var format = llmOptions.Value.TranscriptionFormat;
        if (format == "original")
        {
            // WeChat says amr or speex; anything else is not trusted into a file name.
            var original = media.Format?.ToLowerInvariant() is { } given && given.All(char.IsAsciiLetterOrDigit) ? given : "amr";
            return await transcriber.TranscribeAsync(file.Bytes, $"voice.{original}", cancellationToken);
        }

        var converted = await converter.ConvertAsync(file.Bytes, format, cancellationToken);
        return await transcriber.TranscribeAsync(converted, $"voice.{format}", cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job msg {MsgId}: the voice file needs ffmpeg (Llm:TranscriptionFormat), which cannot be run; the user is told so")]
    private static partial void LogNoFfmpeg(ILogger logger, Exception exception, long msgId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job msg {MsgId}: media/get could not serve the image and its PicUrl is refused ({Reason}); the user is told the image cannot be read. If WeChat sent it, see Media:AllowedImageHosts")]
    private static partial void LogRefusedPicUrl(ILogger logger, long msgId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job msg {MsgId}: the downloaded image ({Bytes} bytes) cannot be read; the user is told so")]
    private static partial void LogUnreadableImage(ILogger logger, Exception exception, long msgId, int bytes);
}
