using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.Http.Resilience;
using OpenAI;
using Polly;

namespace WeChatAi.Core.Ai;

/// <summary>
/// What every OpenAI-compatible client here shares (the worker's chat, vision and speech models, the knowledge base's
/// embeddings): the SDK over an HttpClient whose resilience pipeline does the retrying, and that pipeline's retry.
/// </summary>
public static class OpenAiCompatible
{
    /// <summary>
    /// The SDK over <paramref name="http"/>. One layer of each: the HttpClient's pipeline retries (the SDK's retry is off)
    /// and times out each attempt, and the callers hold their deadline; the SDK's network timeout would be a third timer
    /// per call. Its own logging (an EventSource nobody listens to) is off: the callers log failures with their context.
    /// </summary>
    public static OpenAIClient Client(HttpClient http, string baseUrl, string? apiKey)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Timeout = Timeout.InfiniteTimeSpan;
        return new OpenAIClient(
            new ApiKeyCredential(string.IsNullOrWhiteSpace(apiKey) ? "not-configured" : apiKey),
            new OpenAIClientOptions
            {
                Endpoint = new Uri(baseUrl),
                Transport = new HttpClientPipelineTransport(http),
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
                NetworkTimeout = Timeout.InfiniteTimeSpan,
                ClientLoggingOptions = new ClientLoggingOptions { EnableLogging = false },
            });
    }

    /// <summary>Retries of 429, 5xx and timeouts with exponential backoff, jitter and Retry-After; none at all for 0.</summary>
    public static HttpRetryStrategyOptions Retries(int maxRetries, TimeSpan delay) => new()
    {
        MaxRetryAttempts = Math.Max(1, maxRetries),
        ShouldHandle = maxRetries == 0 ? static _ => PredicateResult.False() : new HttpRetryStrategyOptions().ShouldHandle,
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
        Delay = delay,
        ShouldRetryAfterHeader = true,
    };
}
