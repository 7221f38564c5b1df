using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace WeChatAi.Core.Knowledge.Vectors;

/// <summary>
/// The optional reranker (<c>Knowledge:RerankEndpoint</c>): an OpenAI/Jina-style <c>POST {endpoint}/rerank</c> with
/// <c>{"model","query","documents","top_n"}</c>, answered <c>{"results":[{"index","relevance_score"}]}</c> (Jina,
/// SiliconFlow, DashScope's compatible mode, vLLM). One try within <c>Knowledge:RerankTimeoutMs</c>: on any failure the
/// fused order stands.
/// </summary>
public sealed partial class KnowledgeReranker(HttpClient http, IOptions<VectorOptions> options, ILogger<KnowledgeReranker> logger)
{
    public const string HttpClientName = "knowledge-rerank";

    public bool IsConfigured => options.Value.HasRerank;

    /// <summary>Each document's relevance by its index in <paramref name="documents"/>, best first; null when not configured or it failed.</summary>
    public async Task<IReadOnlyList<(int Index, double Score)>?> RerankAsync(string query, IReadOnlyList<string> documents, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.HasRerank || documents.Count == 0)
        {
            return null;
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(settings.RerankTimeoutMs);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(settings.RerankEndpoint!.TrimEnd('/') + "/rerank"))
            {
                Content = JsonContent.Create(new RerankRequest(settings.RerankModel!, query, documents, documents.Count), RerankJson.Default.RerankRequest),
            };
            if (!string.IsNullOrWhiteSpace(settings.RerankApiKey))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.RerankApiKey);
            }

            using var response = await http.SendAsync(request, bounded.Token).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync(RerankJson.Default.RerankResponse, bounded.Token).ConfigureAwait(false);
            var results = body?.Results ?? throw new InvalidDataException("The rerank answer has no results.");
            return [.. results.Where(r => r.Index >= 0 && r.Index < documents.Count)
                .DistinctBy(r => r.Index).OrderByDescending(r => r.RelevanceScore).Select(r => (r.Index, r.RelevanceScore))];
        }
#pragma warning disable CA1031 // Reranking only refines: whatever it throws, the fused order is answered instead.
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            LogFailed(logger, ex is OperationCanceledException ? "timed out" : ex.GetType().Name);
            return null;
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "The reranker failed ({Reason}); the fused ranking is used as it is.")]
    private static partial void LogFailed(ILogger logger, string reason);
}

internal sealed record RerankRequest(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("query")] string Query,
    [property: JsonPropertyName("documents")] IReadOnlyList<string> Documents,
    [property: JsonPropertyName("top_n")] int TopN);

internal sealed record RerankResult([property: JsonPropertyName("index")] int Index, [property: JsonPropertyName("relevance_score")] double RelevanceScore);

internal sealed record RerankResponse([property: JsonPropertyName("results")] IReadOnlyList<RerankResult>? Results);

[JsonSerializable(typeof(RerankRequest))]
[JsonSerializable(typeof(RerankResponse))]
internal sealed partial class RerankJson : JsonSerializerContext;
