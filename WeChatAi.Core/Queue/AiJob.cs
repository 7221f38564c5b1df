using StackExchange.Redis;

namespace WeChatAi.Core.Queue;

/// <summary>
/// One accepted user message waiting for an AI answer: the contract between the webhook (writer) and the worker
/// (reader), stored as one entry of the Redis Stream <see cref="QueueKeys.JobStream"/>.
/// </summary>
/// <param name="JobId">Idempotency key: AppId, OpenID and MsgId; the same message always gives the same id.</param>
/// <param name="ReceivedAtUnixMs">When the webhook accepted the message (Unix milliseconds).</param>
/// <param name="TraceParent">W3C trace context of the webhook request, so one trace spans webhook to push.</param>
public sealed record AiJob(
    string JobId,
    string AppId,
    string OpenId,
    long MsgId,
    string Content,
    long ReceivedAtUnixMs,
    string? TraceParent,
    string? TraceState)
{
    public static string CreateJobId(string appId, string openId, long msgId) => $"{appId}:{openId}:{msgId}";

    public NameValueEntry[] ToStreamEntry() =>
    [
        new(AiJobFields.JobId, JobId),
        new(AiJobFields.AppId, AppId),
        new(AiJobFields.OpenId, OpenId),
        new(AiJobFields.MsgId, MsgId),
        new(AiJobFields.Content, Content),
        new(AiJobFields.ReceivedAt, ReceivedAtUnixMs),
        new(AiJobFields.TraceParent, TraceParent ?? string.Empty),
        new(AiJobFields.TraceState, TraceState ?? string.Empty),
    ];

    /// <summary>Reads a stream entry; throws <see cref="FormatException"/> naming the field that is missing or bad.</summary>
    public static AiJob FromStreamEntry(StreamEntry entry)
    {
        string Required(string field)
        {
            var value = entry[field];
            return value.IsNullOrEmpty ? throw new FormatException($"Stream entry {entry.Id} has no '{field}'.") : value.ToString();
        }

        long RequiredInt64(string field) =>
            long.TryParse(Required(field), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new FormatException($"Stream entry {entry.Id} has a non-numeric '{field}'.");

        string? Optional(string field) => entry[field] is { IsNullOrEmpty: false } value ? value.ToString() : null;

        return new AiJob(
            Required(AiJobFields.JobId),
            Required(AiJobFields.AppId),
            Required(AiJobFields.OpenId),
            RequiredInt64(AiJobFields.MsgId),
            Required(AiJobFields.Content),
            RequiredInt64(AiJobFields.ReceivedAt),
            Optional(AiJobFields.TraceParent),
            Optional(AiJobFields.TraceState));
    }
}

/// <summary>Field names of a job stream entry (also used by the webhook's Lua enqueue script).</summary>
public static class AiJobFields
{
    public const string JobId = "job_id";
    public const string AppId = "app_id";
    public const string OpenId = "open_id";
    public const string MsgId = "msg_id";
    public const string Content = "content";
    public const string ReceivedAt = "received_at";
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";
}

/// <summary>Redis key names shared by the webhook and the worker.</summary>
public static class QueueKeys
{
    /// <summary>The stream of <see cref="AiJob"/> entries.</summary>
    public const string JobStream = "wechatai:jobs";

    /// <summary>The consumer group all workers read <see cref="JobStream"/> with.</summary>
    public const string ConsumerGroup = "workers";

    /// <summary>Jobs that failed every attempt, with the reason.</summary>
    public const string DeadLetterStream = "wechatai:jobs:dead";
}
