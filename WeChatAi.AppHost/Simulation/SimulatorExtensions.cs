using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WeChatAi.AppHost.Infrastructure;
using WeChatAi.AppHost.Secrets;

namespace WeChatAi.AppHost.Simulation;

public static class SimulatorExtensions
{
    public const string ResourceName = "simulator";

    /// <summary>
    /// Without WeChat or LLM credentials, adds the <c>simulator</c> resource and points the API and the worker at it
    /// for whatever is missing: WeChat's servers and API, the LLM, or both, and the worker at its moderation stand-in
    /// unless <c>Safety:ModerationUrl</c> is configured. With every credential set it adds nothing,
    /// and it is never published: a deployment talks to the real WeChat and LLM. With a <paramref name="dataDirectory"/>
    /// (local mode) the simulated account, merchant, users and menu are kept in its <c>simulator</c> folder across runs.
    /// </summary>
    public static IResourceBuilder<ProjectResource>? AddSimulatorWhereSecretsAreMissing(
        this IDistributedApplicationBuilder builder,
        ExternalSecrets secrets,
        IResourceBuilder<ProjectResource> api,
        IResourceBuilder<ProjectResource> worker,
        string? dataDirectory)
    {
        if (builder.ExecutionContext.IsPublishMode || (secrets.HasWeChat && secrets.HasLlm))
        {
            return null;
        }

        // The chat page opens once the API is healthy: a message sent before would wait for it anyway, unexplained.
        var simulator = builder.AddProject<Projects.WeChatAi_Simulator>(ResourceName)
            .WithReference(api)
            .WaitFor(api)
            .WithHttpHealthCheck("/health")
            .WithUrlForEndpoint("http", url => url.DisplayText = "Chat page");
        var endpoint = simulator.GetEndpoint("http");
        var stateDirectory = dataDirectory is null ? null : Path.Combine(dataDirectory, "simulator");
        if (stateDirectory is not null)
        {
            simulator.WithEnvironment("Simulator__DataDirectory", stateDirectory);
        }

        // The burst panel fits its presets to the webhook's per-user limit and names it when a burst exceeds it.
        foreach (var limit in (string[])["PerUserBurst", "PerUserPerMinute"])
        {
            if (builder.Configuration[$"RateLimits:{limit}"] is { Length: > 0 } value)
            {
                simulator.WithEnvironment($"Simulator__{limit}", value);
            }
        }

        if (secrets.HasWeChat)
        {
            // A real account: the chat page signs with its credentials, so the webhook accepts what it sends.
            secrets.ApplyWeChatIdentityTo(simulator, "Simulator");
        }
        else
        {
            simulator.WithAnnotation(new SimulatedWeChatAnnotation(stateDirectory));
            var account = SimulatorState.LoadOrCreate(stateDirectory, "account.json", SimulatedAccount.Create);
            foreach (var (key, value) in Settings(account))
            {
                api.WithEnvironment($"WeChat__{key}", value);
                worker.WithEnvironment($"WeChat__{key}", value);
                simulator.WithEnvironment($"Simulator__{key}", value);
            }

            worker.WithEnvironment("WeChat__ApiBaseUrl", endpoint);

            // The simulator serves its images' PicUrls on this machine: the development-only escape hatch of the
            // worker's outbound guard (docs/media.md), never set for a real account.
            worker.WithEnvironment("Media__AllowedImageHosts", "localhost,127.0.0.1")
                .WithEnvironment("Media__AllowPrivateAddresses", "true");
            api.WithEnvironment("WeChat__ApiBaseUrl", endpoint); // menu publishing, OAuth's code exchange
            SimulatePayments(api, simulator, endpoint, stateDirectory);
        }

        if (!secrets.HasLlm)
        {
            worker.WithEnvironment("Llm__BaseUrl", endpoint)
                .WithEnvironment("Llm__ApiKey", "simulator")
                .WithEnvironment("Llm__Model", "simulator-chat");

            // The simulator also plays the vision and speech-to-text models; the API needs to know they are there.
            foreach (var service in (IResourceBuilder<ProjectResource>[])[api, worker])
            {
                service.WithEnvironment("Llm__VisionModel", "simulator-vision")
                    .WithEnvironment("Llm__TranscriptionModel", "simulator-whisper");
            }
        }

        // No embedding provider configured and the LLM simulated: the simulator's n-gram model and reranker, so the
        // knowledge base's vector path runs in full offline (the API embeds questions, the worker passages).
        if (!secrets.HasLlm && string.IsNullOrWhiteSpace(builder.Configuration["Knowledge:EmbeddingEndpoint"]))
        {
            foreach (var service in (IResourceBuilder<ProjectResource>[])[api, worker])
            {
                service.WithEnvironment("Knowledge__EmbeddingEndpoint", endpoint)
                    .WithEnvironment("Knowledge__EmbeddingModel", "simulator-embedding")
                    .WithEnvironment("Knowledge__EmbeddingApiKey", "simulator")
                    .WithEnvironment("Knowledge__EmbeddingBatchSize", "64")
                    .WithEnvironment("Knowledge__EmbeddingRequestsPerSecond", "50");
            }
        }

        // No moderation service configured: the simulator's stand-in, so content safety runs in full offline.
        if (string.IsNullOrWhiteSpace(builder.Configuration["Safety:ModerationUrl"]))
        {
            worker.WithEnvironment("Safety__ModerationUrl", ReferenceExpression.Create($"{endpoint}/v1/moderations"))
                .WithEnvironment("Safety__ModerationApiKey", "simulator");
        }

        builder.Eventing.Subscribe<ResourceEndpointsAllocatedEvent>(simulator.Resource, (@event, _) =>
        {
            var logger = @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger("WeChatAi.AppHost");
            LogChatPage(logger, endpoint.Url, secrets.HasWeChat ? "the real official account" : "a simulated account", secrets.HasLlm ? "the real LLM" : "the simulated LLM", null);
            return Task.CompletedTask;
        });
        string[] simulated = [.. secrets.HasWeChat ? Array.Empty<string>() : ["WeChat's servers and API"], .. secrets.HasLlm ? Array.Empty<string>() : ["the LLM"]];
        builder.LogAtStartup($"The simulator stands in for {string.Join(" and ", simulated)}.");
        return simulator;
    }

    /// <summary>
    /// WeChat Pay, OAuth and WeChat's in-app browser played by the simulator: the purchase link (<c>Api:PublicBaseUrl</c>)
    /// opens through the simulator's "WeChat browser", OAuth and WeChat Pay calls go to it, and it posts notifications
    /// straight to the API.
    /// </summary>
    private static void SimulatePayments(
        IResourceBuilder<ProjectResource> api, IResourceBuilder<ProjectResource> simulator, EndpointReference endpoint, string? stateDirectory)
    {
        var merchant = SimulatorState.LoadOrCreate(stateDirectory, "merchant.json", SimulatedMerchant.Create);
        api.WithEnvironment("WeChat__OAuthBaseUrl", endpoint)
            .WithEnvironment("Api__PublicBaseUrl", endpoint)
            // The chat page shows /pay in its "WeChat browser" frame; only this origin may frame it (docs/billing.md).
            .WithEnvironment("Api__PayFrameAncestors", endpoint)
            .WithEnvironment("WeChatPay__BaseUrl", endpoint)
            .WithEnvironment("WeChatPay__MchId", merchant.MchId)
            .WithEnvironment("WeChatPay__MerchantSerialNo", merchant.MerchantSerialNo)
            .WithEnvironment("WeChatPay__MerchantPrivateKey", merchant.MerchantPrivateKey)
            .WithEnvironment("WeChatPay__PublicKeyId", merchant.PublicKeyId)
            .WithEnvironment("WeChatPay__PublicKey", merchant.PayPublicKey)
            .WithEnvironment("WeChatPay__ApiV3Key", merchant.ApiV3Key)
            .WithEnvironment(context => context.EnvironmentVariables["WeChatPay__NotifyUrl"] =
                ReferenceExpression.Create($"{api.GetEndpoint("http")}/api/pay/notify"));
        simulator.WithEnvironment("Simulator__Pay__MchId", merchant.MchId)
            .WithEnvironment("Simulator__Pay__MerchantSerialNo", merchant.MerchantSerialNo)
            .WithEnvironment("Simulator__Pay__MerchantPublicKey", merchant.MerchantPublicKey)
            .WithEnvironment("Simulator__Pay__PublicKeyId", merchant.PublicKeyId)
            .WithEnvironment("Simulator__Pay__PayPrivateKey", merchant.PayPrivateKey)
            .WithEnvironment("Simulator__Pay__ApiV3Key", merchant.ApiV3Key);
    }

    private static IEnumerable<(string Key, string Value)> Settings(SimulatedAccount account) =>
    [
        ("Token", account.Token),
        ("AppId", account.AppId),
        ("AppSecret", account.AppSecret),
        ("EncodingAESKey", account.EncodingAesKey),
    ];

    private static readonly Action<ILogger, string, string, string, Exception?> LogChatPage = LoggerMessage.Define<string, string, string>(
        LogLevel.Information, new EventId(2, "ChatPage"), "Chat simulator: open {Url} to talk to {Account} answered by {Llm}.");
}
