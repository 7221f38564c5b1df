using System.Text.Json.Serialization;

namespace WeChatAi.Core.WeChatPay;

/// <summary>A verified, decrypted notification: the envelope, the resource's plaintext JSON and its typed view.</summary>
public sealed class WeChatPayNotification
{
    /// <summary>Unique per notification (WeChat Pay's retries repeat it): the key that records it once.</summary>
    public required string Id { get; init; }

    /// <summary>One of <see cref="WeChatPayEvents"/>.</summary>
    public required string EventType { get; init; }

    public required DateTimeOffset CreateTime { get; init; }

    public string? ResourceType { get; init; }

    public string? Summary { get; init; }

    /// <summary><c>transaction</c> or <c>refund</c>.</summary>
    public string? OriginalType { get; init; }

    /// <summary>The decrypted resource, as WeChat Pay wrote it.</summary>
    public required string Plaintext { get; init; }

    /// <summary>Set for <c>TRANSACTION.*</c> events.</summary>
    public WeChatPayTransaction? Transaction { get; init; }

    /// <summary>Set for <c>REFUND.*</c> events.</summary>
    public WeChatPayRefund? Refund { get; init; }
}

/// <summary>The <c>event_type</c>s this app handles.</summary>
public static class WeChatPayEvents
{
    public const string TransactionSuccess = "TRANSACTION.SUCCESS";
    public const string RefundSuccess = "REFUND.SUCCESS";
    public const string RefundAbnormal = "REFUND.ABNORMAL";
    public const string RefundClosed = "REFUND.CLOSED";
}

/// <summary>The notification body as posted: <c>{id, create_time, event_type, resource_type, summary, resource{…}}</c>.</summary>
public sealed class WeChatPayNotificationEnvelope
{
    [JsonPropertyName("id")] public string? Id { get; init; }
    [JsonPropertyName("create_time")] public DateTimeOffset? CreateTime { get; init; }
    [JsonPropertyName("event_type")] public string? EventType { get; init; }
    [JsonPropertyName("resource_type")] public string? ResourceType { get; init; }
    [JsonPropertyName("summary")] public string? Summary { get; init; }
    [JsonPropertyName("resource")] public WeChatPayEncryptedResource? Resource { get; init; }
}

public sealed class WeChatPayEncryptedResource
{
    [JsonPropertyName("original_type")] public string? OriginalType { get; init; }
    [JsonPropertyName("algorithm")] public string? Algorithm { get; init; }
    [JsonPropertyName("ciphertext")] public string? Ciphertext { get; init; }
    [JsonPropertyName("associated_data")] public string? AssociatedData { get; init; }
    [JsonPropertyName("nonce")] public string? Nonce { get; init; }
}
