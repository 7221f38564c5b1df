using System.Runtime.InteropServices;
using System.Text.Json;

namespace WeChatAi.Simulator.Embeddings;

/// <summary>The embedding model's switch and what it served: <c>POST /sim/embeddings {"unavailable"}</c> plays a provider that is down (503).</summary>
public sealed class EmbeddingState
{
    private long _requests;
    private long _texts;
    private volatile bool _unavailable;

    public bool Unavailable
    {
        get => _unavailable;
        set => _unavailable = value;
    }

    public long Requests => Interlocked.Read(ref _requests);

    public long Texts => Interlocked.Read(ref _texts);

    public void Served(int texts)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _texts, texts);
    }
}

/// <summary>
/// OpenAI's <c>/embeddings</c> (<c>input</c> a string or an array, <c>encoding_format</c> <c>float</c> or <c>base64</c>
/// as OpenAI's SDK sends it, optional <c>dimensions</c>, <c>usage</c> filled) by <see cref="FakeEmbedding"/>, and a
/// Jina-style <c>/rerank</c> by <see cref="FakeRerank"/>, at the fake LLM's base (with and without <c>/v1</c>).
/// </summary>
public static class EmbeddingEndpoints
{
    public const int MaxInputs = 2048;

    /// <summary>The longest text it embeds, as real models have a token limit: a longer one is refused (400), as they refuse it.</summary>
    public const int MaxInputChars = 2048;

    public static IEndpointRouteBuilder MapFakeEmbeddings(this IEndpointRouteBuilder app)
    {
        app.MapPost("/embeddings", Embeddings);
        app.MapPost("/v1/embeddings", Embeddings);
        app.MapPost("/rerank", Rerank);
        app.MapPost("/v1/rerank", Rerank);
        app.MapGet("/sim/embeddings", (EmbeddingState state) => Results.Json(new { unavailable = state.Unavailable, requests = state.Requests, texts = state.Texts }));
        app.MapPost("/sim/embeddings", (Switch body, EmbeddingState state) =>
        {
            state.Unavailable = body.Unavailable;
            return Results.Json(new { unavailable = state.Unavailable });
        });
        return app;
    }

    private static IResult Embeddings(HttpContext context, JsonElement body, EmbeddingState state)
    {
        if (Refused(context, state) is { } refused)
        {
            return refused;
        }

        var inputs = body.TryGetProperty("input", out var input) ? input.ValueKind switch
        {
            JsonValueKind.String => [input.GetString()!],
            JsonValueKind.Array => input.EnumerateArray().Select(i => i.ValueKind == JsonValueKind.String ? i.GetString() : null).ToList(),
            _ => [],
        } : [];
        if (inputs.Count is 0 or > MaxInputs || inputs.Any(string.IsNullOrEmpty))
        {
            return Error(400, $"input must be a non-empty string or an array of 1 to {MaxInputs} non-empty strings", "invalid_request_error");
        }

        if (inputs.Any(i => i!.Length > MaxInputChars))
        {
            return Error(400, $"input must be at most {MaxInputChars} characters", "invalid_request_error");
        }

        var dimensions = body.TryGetProperty("dimensions", out var d) && d.ValueKind == JsonValueKind.Number ? d.GetInt32() : FakeEmbedding.DefaultDimensions;
        if (dimensions is < 16 or > 4096)
        {
            return Error(400, "dimensions must be between 16 and 4096", "invalid_request_error");
        }

        var base64 = body.TryGetProperty("encoding_format", out var format) && format.GetString() == "base64";
        state.Served(inputs.Count);
        var tokens = inputs.Sum(i => Math.Max(1, i!.Length / 2));
        return Results.Json(new
        {
            @object = "list",
            data = inputs.Select((text, index) =>
            {
                var vector = FakeEmbedding.Embed(text!, dimensions);
                object embedding = base64 ? Convert.ToBase64String(MemoryMarshal.AsBytes(vector.AsSpan())) : vector;
                return new { @object = "embedding", index, embedding };
            }),
            model = body.TryGetProperty("model", out var model) ? model.GetString() : FakeEmbedding.Model,
            usage = new { prompt_tokens = tokens, total_tokens = tokens },
        });
    }

    private static IResult Rerank(HttpContext context, RerankBody body, EmbeddingState state)
    {
        if (Refused(context, state) is { } refused)
        {
            return refused;
        }

        if (string.IsNullOrEmpty(body.Query) || body.Documents is not { Count: > 0 and <= 1000 } documents)
        {
            return Error(400, "query and 1 to 1000 documents are required", "invalid_request_error");
        }

        var results = documents.Select((document, index) => new { index, relevance_score = FakeRerank.Score(body.Query, document ?? "") })
            .OrderByDescending(r => r.relevance_score).ThenBy(r => r.index)
            .Take(body.TopN is > 0 ? body.TopN.Value : documents.Count);
        return Results.Json(new { model = body.Model, results, usage = new { total_tokens = body.Query.Length + documents.Sum(x => x?.Length ?? 0) } });
    }

    private static IResult? Refused(HttpContext context, EmbeddingState state)
    {
        if (string.IsNullOrEmpty(context.Request.Headers.Authorization))
        {
            return Error(401, "Authentication Fails (no api key)", "authentication_error");
        }

        return state.Unavailable ? Error(503, "Service unavailable (simulated)", "server_error") : null;
    }

    private static IResult Error(int status, string message, string type) => Results.Json(new { error = new { message, type, code = type } }, statusCode: status);

    private sealed record Switch(bool Unavailable);

    private sealed record RerankBody(
        [property: System.Text.Json.Serialization.JsonPropertyName("model")] string? Model,
        [property: System.Text.Json.Serialization.JsonPropertyName("query")] string? Query,
        [property: System.Text.Json.Serialization.JsonPropertyName("documents")] List<string?>? Documents,
        [property: System.Text.Json.Serialization.JsonPropertyName("top_n")] int? TopN);
}
