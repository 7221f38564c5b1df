namespace WeChatAi.Tests.Deployment;

/// <summary>
/// One manifest published with every credential configured on the publishing machine, as a developer's machine
/// has them, and a few put by mistake in plain settings of sections the AppHost forwards: none of these values may
/// reach the manifest or the log.
/// </summary>
public sealed class PublishedManifestFixture : IAsyncLifetime
{
    public static readonly IReadOnlyDictionary<string, string> ConfiguredSecrets = new Dictionary<string, string>
    {
        ["Parameters__wechat-token"] = "published-token-5f0c",
        ["Parameters__wechat-app-id"] = "wxpublished0a1b2c3d",
        ["Parameters__wechat-app-secret"] = "published-app-secret-77e1",
        ["Parameters__wechat-encoding-aes-key"] = "publishedAesKey0123456789abcdefghijklmnopqr",
        ["Parameters__llm-api-key"] = "sk-published-llm-key-9d2a",
        ["Parameters__admin-api-key"] = "published-admin-key-0f9e8d7c6b5a",
        ["Parameters__admin-password"] = "published-admin-password-4d3c",
        ["Parameters__redis-password"] = "published-redis-password-31c4",
        ["Parameters__postgres-password"] = "published-postgres-password-c8b0",
        ["WeChat__AppSecret"] = "plain-app-secret-in-settings-1b7d",
        ["Llm__VisionApiKey"] = "plain-vision-key-in-settings-6a20",
        ["WeChatPay__ApiV3Key"] = "plain-api-v3-key-in-settings-93fe",
        ["Admin__Users__0__PasswordHash"] = "plain-password-hash-in-settings-e5c1",
    };

    internal PublishedManifest Manifest { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Manifest = await PublishedManifest.PublishAsync(ConfiguredSecrets.ToDictionary(s => s.Key, s => (string?)s.Value));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
