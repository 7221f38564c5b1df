using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using StackExchange.Redis;
using WeChatAi.Core.Redis;

namespace WeChatAi.Core.Queue;

/// <summary>
/// One accepted user message waiting for an AI answer: the contract between the webhook (writer) and the worker
/// (reader), stored as one entry of the Redis Stream <see cref="QueueKeys.JobStream"/> whose single field
/// <see cref="StreamField"/> holds the job as JSON.
/// </summary>
/// <remarks>
/// One JSON field rather than a field per property: the webhook's enqueue script passes it to XADD untouched, which
/// costs Redis less per message (docs/benchmarks-webhook.md).
/// </remarks>
/// <param name="ReceivedAtUnixMs">When the webhook accepted the message (Unix milliseconds).</param>
/// <param name="TraceParent">W3C trace context of the webhook request, so one trace spans webhook to push.</param>
/// <param name="Media">For an image or a voice message without WeChat's recognition: what the worker downloads
/// (<see cref="Content"/> is then a placeholder such as <see cref="JobMedia.ImagePlaceholder"/>, for the records).</param>
public sealed record AiJob(
    [property: JsonPropertyName("app_id")] string AppId,
    [property: JsonPropertyName("open_id")] string OpenId,
    [property: JsonPropertyName("msg_id")] long MsgId,
    [property: JsonPropertyName("content")] string Content,
    [property: JsonPropertyName("received_at")] long ReceivedAtUnixMs,
    [property: JsonPropertyName("traceparent")] string? TraceParent,
    [property: JsonPropertyName("tracestate")] string? TraceState,
    [property: JsonPropertyName("media")] JobMedia? Media = null)
{
    /// <summary>The stream entry's job field.</summary>
    public const string StreamField = "job";

    /// <summary>The entry's second field, set by the admission script: what the question cost (<c>f:{yyyyMMdd}</c> free, <c>c</c> a credit).</summary>
    public const string ChargeField = "charge";

    /// <summary>
    /// A notice from the app itself (e.g. "充值成功"), not a user message: the worker pushes <see cref="Content"/> as it
    /// is, without the LLM, memory or a fresh message budget. Its <see cref="MsgId"/> is negative, clear of WeChat's ids.
    /// </summary>
    [JsonPropertyName("notice")]
    public bool? Notice { get; init; }

    /// <summary>What the question cost (from <see cref="ChargeField"/>); null when admitted without a charge.</summary>
    [JsonIgnore]
    public string? Charge { get; init; }

    // Non-ASCII text stays as is instead of \uXXXX escapes: the JSON never reaches a browser, and Chinese messages
    // would otherwise triple in size.
    private static readonly AiJobJson Json = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });

    /// <summary>Idempotency key: AppId, OpenID and MsgId; the same message always gives the same id.</summary>
    [JsonIgnore]
    public string JobId => CreateJobId(AppId, OpenId, MsgId);

    public static string CreateJobId(string appId, string openId, long msgId) => $"{appId}:{openId}:{msgId}";

    /// <summary>The job as the UTF-8 JSON stored in <see cref="StreamField"/>.</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json.AiJob);

    public NameValueEntry[] ToStreamEntry() =>
        Charge is null ? [new(StreamField, ToJson())] : [new(StreamField, ToJson()), new(ChargeField, Charge)];

    /// <summary>Reads a stream entry; throws <see cref="FormatException"/> saying what is missing or bad.</summary>
    public static AiJob FromStreamEntry(StreamEntry entry)
    {
        var json = entry[StreamField];
        if (json.IsNullOrEmpty)
        {
            throw new FormatException($"Stream entry {entry.Id} has no '{StreamField}' field.");
        }

        AiJob? job;
        try
        {
            job = JsonSerializer.Deserialize(((ReadOnlyMemory<byte>)json).Span, Json.AiJob);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Stream entry {entry.Id} holds malformed job JSON: {ex.Message}", ex);
        }

        if (job is null)
        {
            throw new FormatException($"Stream entry {entry.Id} holds JSON null, not a job.");
        }

        string? missing = job switch
        {
            { AppId: null or "" } => "app_id",
            { OpenId: null or "" } => "open_id",
            { MsgId: 0 } => "msg_id",
            { Content: null or "" } => "content",
            { ReceivedAtUnixMs: 0 } => "received_at",
            { Media.Kind: not (JobMedia.Image or JobMedia.Voice) } => "media.kind (image or voice)",
            { Media.MediaId: null or "" } => "media.media_id",
            _ => null,
        };
        var charge = entry[ChargeField];
        return missing is null ? job with { Charge = charge.IsNullOrEmpty ? null : charge.ToString() } : throw new FormatException($"Stream entry {entry.Id} has a job without '{missing}'.");
    }
}

/// <summary>A media message's part of <see cref="AiJob"/>, as WeChat sent it.</summary>
/// <param name="Kind"><see cref="Image"/> or <see cref="Voice"/>.</param>
/// <param name="MediaId">For <c>/cgi-bin/media/get</c>.</param>
/// <param name="PicUrl">An image's own URL (it works when the media API is blocked by the IP whitelist).</param>
/// <param name="Format">A voice message's audio format (<c>amr</c> or <c>speex</c>).</param>
public sealed record JobMedia(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("media_id")] string MediaId,
    [property: JsonPropertyName("pic_url")] string? PicUrl = null,
    [property: JsonPropertyName("format")] string? Format = null)
{
    public const string Image = "image";
    public const string Voice = "voice";

    /// <summary>An image job's <see cref="AiJob.Content"/>: what its record and the user's memory show for the image.</summary>
    public const string ImagePlaceholder = "[图片]";

    /// <summary>A voice job's <see cref="AiJob.Content"/> until the worker has its transcription.</summary>
    public const string VoicePlaceholder = "[语音]";
}

/// <summary>Source-generated: no reflection per message.</summary>
[JsonSerializable(typeof(AiJob))]
internal sealed partial class AiJobJson : JsonSerializerContext;

/// <summary>Redis key names shared by the webhook and the worker.</summary>
public static class QueueKeys
{
    /// <summary>The shard's stream of <see cref="AiJob"/> entries (its users' messages).</summary>
    public static string JobStream(JobShard shard) => $"{shard.Prefix}jobs";

    /// <summary>The consumer group all workers read every <see cref="JobStream"/> with.</summary>
    public const string ConsumerGroup = "workers";

    /// <summary>The shard's jobs that failed every attempt, with the reason.</summary>
    public static string DeadLetterStream(JobShard shard) => $"{shard.Prefix}jobs:dead";

    /// <summary>The one stream of the releases before shards: the worker warns at start while it holds unfinished jobs.</summary>
    public const string LegacyJobStream = "wechatai:jobs";
}
