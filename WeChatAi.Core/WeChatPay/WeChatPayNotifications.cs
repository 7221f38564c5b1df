using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace WeChatAi.Core.WeChatPay;

/// <summary>
/// Reads a notification posted to <c>WeChatPay:NotifyUrl</c>: the signature over the raw bytes first, only then the
/// JSON, then the resource decrypted with the APIv3 key.
/// </summary>
public sealed class WeChatPayNotifications
{
    public const string Algorithm = "AEAD_AES_256_GCM";

    private readonly Func<WeChatPayVerifier> _verifier;
    private readonly Func<byte[]> _apiV3Key;

    public WeChatPayNotifications(WeChatPayKeys keys)
    {
        _verifier = () => keys.Verifier;
        _apiV3Key = () => keys.ApiV3Key;
    }

    /// <summary>With explicit keys (the official SDKs' vectors use their own).</summary>
    public WeChatPayNotifications(WeChatPayVerifier verifier, byte[] apiV3Key)
    {
        _verifier = () => verifier;
        _apiV3Key = () => apiV3Key;
    }

    /// <exception cref="WeChatPaySignatureException">Not signed by WeChat Pay: answer 401, never act on it.</exception>
    /// <exception cref="WeChatPayProtocolException">Signed but unreadable (e.g. a wrong APIv3 key): answer 5xx so it is retried.</exception>
    public WeChatPayNotification Read(IHeaderDictionary headers, ReadOnlySpan<byte> rawBody) =>
        Read(WeChatPaySignatureHeaders.From(headers), rawBody);

    public WeChatPayNotification Read(WeChatPaySignatureHeaders headers, ReadOnlySpan<byte> rawBody)
    {
        _verifier().Verify(headers, rawBody);

        var envelope = Deserialize<WeChatPayNotificationEnvelope>(rawBody, "notification");
        var resource = envelope.Resource;
        if (envelope.Id is null || envelope.EventType is null || envelope.CreateTime is null || resource?.Ciphertext is null || resource.Nonce is null)
        {
            throw new WeChatPayProtocolException("The notification lacks id, event_type, create_time or resource{ciphertext, nonce}.");
        }

        if (resource.Algorithm != Algorithm)
        {
            throw new WeChatPayProtocolException($"Resource algorithm '{resource.Algorithm}' is not {Algorithm}.");
        }

        var plaintext = WeChatPayAead.Decrypt(_apiV3Key(), resource.AssociatedData ?? "", resource.Nonce, resource.Ciphertext);
        var bytes = System.Text.Encoding.UTF8.GetBytes(plaintext);
        return new WeChatPayNotification
        {
            Id = envelope.Id,
            EventType = envelope.EventType,
            CreateTime = envelope.CreateTime.Value,
            ResourceType = envelope.ResourceType,
            Summary = envelope.Summary,
            OriginalType = resource.OriginalType,
            Plaintext = plaintext,
            Transaction = envelope.EventType.StartsWith("TRANSACTION.", StringComparison.Ordinal) ? Deserialize<WeChatPayTransaction>(bytes, "transaction") : null,
            Refund = envelope.EventType.StartsWith("REFUND.", StringComparison.Ordinal) ? Deserialize<WeChatPayRefund>(bytes, "refund") : null,
        };
    }

    /// <summary>WeChat Pay's side (the simulator and tests play it): a notification body with the resource encrypted.</summary>
    public static byte[] Seal(byte[] apiV3Key, string id, string eventType, string summary, string originalType, string resourceJson, string nonce, DateTimeOffset createTime) =>
        System.Text.Encoding.UTF8.GetBytes(new System.Text.Json.Nodes.JsonObject
        {
            ["id"] = id,
            ["create_time"] = createTime.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
            ["resource_type"] = "encrypt-resource",
            ["event_type"] = eventType,
            ["summary"] = summary,
            ["resource"] = new System.Text.Json.Nodes.JsonObject
            {
                ["original_type"] = originalType,
                ["algorithm"] = Algorithm,
                ["ciphertext"] = WeChatPayAead.Encrypt(apiV3Key, originalType, nonce, resourceJson),
                ["associated_data"] = originalType,
                ["nonce"] = nonce,
            },
        }.ToJsonString());

    internal static T Deserialize<T>(ReadOnlySpan<byte> json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json) ?? throw new WeChatPayProtocolException($"The {what} is JSON null.");
        }
        catch (JsonException ex)
        {
            throw new WeChatPayProtocolException($"The {what} is not the JSON WeChat Pay documents: {ex.Message}", ex);
        }
    }
}
