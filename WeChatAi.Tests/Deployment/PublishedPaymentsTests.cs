namespace WeChatAi.Tests.Deployment;

/// <summary>A deployment that sells and moderates: the merchant's and the moderation service's keys become secret parameters too.</summary>
public sealed class PublishedPaymentsTests
{
    private static readonly string[] PaymentSecrets = ["wechatpay-merchant-private-key", "wechatpay-public-key", "wechatpay-api-v3-key"];

    [Fact]
    public async Task With_a_merchant_and_a_moderation_service_configured_their_keys_are_secret_parameters_of_the_services_that_use_them()
    {
        var manifest = await PublishedManifest.PublishAsync(new Dictionary<string, string?>
        {
            ["WeChatPay__MchId"] = "1900000109",
            ["Safety__ModerationUrl"] = "https://moderation.example.com/v1",
        });

        foreach (var name in PaymentSecrets.Append("moderation-api-key"))
        {
            var input = manifest[name].GetProperty("inputs").GetProperty("value");
            Assert.True(input.GetProperty("secret").GetBoolean(), $"{name} is secret");
            Assert.False(input.TryGetProperty("default", out _), $"{name} has no default");
        }

        Assert.Equal("{wechatpay-merchant-private-key.value}", manifest.Env("api", "WeChatPay__MerchantPrivateKey"));
        Assert.Equal("{wechatpay-public-key.value}", manifest.Env("api", "WeChatPay__PublicKey"));
        Assert.Equal("{wechatpay-api-v3-key.value}", manifest.Env("api", "WeChatPay__ApiV3Key"));
        Assert.Null(manifest.Env("worker", "WeChatPay__ApiV3Key"));
        Assert.Equal("{moderation-api-key.value}", manifest.Env("worker", "Safety__ModerationApiKey"));
        Assert.Null(manifest.Env("api", "Safety__ModerationApiKey"));
    }
}
