using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace WeChatAi.Worker.Safety;

/// <summary>
/// An OpenAI-compatible <c>POST /moderations</c> (<c>{"model","input"}</c> → <c>{"results":[{"flagged","categories",
/// "category_scores"}]}</c>), within the hard deadline <see cref="SafetyOptions.ModerationTimeoutMs"/> (the HttpClient's
/// resilience handler retries inside it). Throws <see cref="ModerationUnavailableException"/> when no verdict came.
/// </summary>
internal sealed class ModerationClient(HttpClient http, IOptions<SafetyOptions> options)
{
    public const string HttpClientName = "moderation";

    public async Task<ModerationVerdict> CheckAsync(string input, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(settings.ModerationTimeoutMs);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, settings.ModerationUrl)
            {
                Content = JsonContent.Create(new ModerationRequest(settings.ModerationModel, input), ModerationJson.Default.ModerationRequest),
            };
            if (!string.IsNullOrEmpty(settings.ModerationApiKey))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.ModerationApiKey);
            }

            using var response = await http.SendAsync(request, deadline.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new ModerationUnavailableException($"HTTP {(int)response.StatusCode}");
            }

            var body = await response.Content.ReadFromJsonAsync(ModerationJson.Default.ModerationResponse, deadline.Token);
            var result = body?.Results is [var first, ..] ? first : throw new ModerationUnavailableException("no result in the response");
            var flagged = result.Categories?.Where(c => c.Value).Select(c => c.Key).Order(StringComparer.Ordinal).ToArray() ?? [];
            var score = result.CategoryScores is { Count: > 0 } scores ? scores.Values.Max() : (double?)null;
            return new ModerationVerdict(result.Flagged, flagged, score);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ModerationUnavailableException($"no verdict within Safety:ModerationTimeoutMs ({settings.ModerationTimeoutMs} ms)", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Text.Json.JsonException or Polly.ExecutionRejectedException)
        {
            throw new ModerationUnavailableException(ex.Message, ex);
        }
    }
}

/// <summary>What the moderation service said: flagged or not, the flagged categories, the highest category score.</summary>
internal sealed record ModerationVerdict(bool Flagged, IReadOnlyList<string> Categories, double? TopScore);

internal sealed class ModerationUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

internal sealed record ModerationRequest(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("input")] string Input);

internal sealed record ModerationResponse([property: JsonPropertyName("results")] List<ModerationResult>? Results);

internal sealed record ModerationResult(
    [property: JsonPropertyName("flagged")] bool Flagged,
    [property: JsonPropertyName("categories")] Dictionary<string, bool>? Categories,
    [property: JsonPropertyName("category_scores")] Dictionary<string, double>? CategoryScores);

[JsonSerializable(typeof(ModerationRequest))]
[JsonSerializable(typeof(ModerationResponse))]
internal sealed partial class ModerationJson : JsonSerializerContext;
