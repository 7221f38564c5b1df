using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;

namespace WeChatAi.Simulator.Llm;

/// <summary>
/// An OpenAI-compatible <c>/chat/completions</c> (plain and streaming) with configurable latency and faults: 429 with
/// Retry-After, 503, and DeepSeek's blank keep-alive lines on a slow connection. A question with an image is answered
/// by the fake vision model (<see cref="FakeVision"/>), and <c>/audio/transcriptions</c> plays speech to text.
/// </summary>
public static class LlmEndpoints
{
    /// <summary>The service key of the fault settings in force; the chat page changes them while the app runs.</summary>
    public const string CurrentFaults = "llm-faults";

    public static IEndpointRouteBuilder MapFakeLlm(this IEndpointRouteBuilder app)
    {
        app.MapPost("/chat/completions", ChatCompletions);
        app.MapPost("/v1/chat/completions", ChatCompletions);
        app.MapPost("/audio/transcriptions", Transcriptions).DisableAntiforgery();
        app.MapPost("/v1/audio/transcriptions", Transcriptions).DisableAntiforgery();
        app.MapGet("/v1/models", () => Results.Json(new { @object = "list", data = new[] { new { id = FakeLlm.Model, @object = "model" } } }));
        return app;
    }

    private static async Task ChatCompletions(
        HttpContext context, ChatRequest request, [FromKeyedServices(CurrentFaults)] LlmFaultOptions faults, LlmStats stats)
    {
        var cancellationToken = context.RequestAborted;
        stats.Calls.Increment();

        if (string.IsNullOrEmpty(context.Request.Headers.Authorization))
        {
            await Results.Json(ErrorBody("Authentication Fails (no api key)", "authentication_error"), statusCode: 401).ExecuteAsync(context);
            return;
        }

        if (FakeLlm.Roll(faults.RateLimitedRate))
        {
            stats.RateLimited.Increment();
            context.Response.Headers.RetryAfter = "1";
            await Results.Json(ErrorBody("Rate limit reached (simulated)", "rate_limit_error"), statusCode: 429).ExecuteAsync(context);
            return;
        }

        if (FakeLlm.Roll(faults.UnavailableRate))
        {
            stats.Unavailable.Increment();
            await Results.Json(ErrorBody("Service unavailable (simulated)", "server_error"), statusCode: 503).ExecuteAsync(context);
            return;
        }

        var last = request.Messages?.LastOrDefault(m => m.Role == "user");
        var question = last?.Content ?? string.Empty;
        var answer = last?.ImageUrl is { } image
            ? FakeVision.Describe(image)
            : FakeLlm.Answer(question, request.Messages?.Count(m => m.Role is "user" or "assistant") ?? 0);
        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var usage = new { prompt_tokens = FakeLlm.Tokens(string.Concat(request.Messages?.Select(m => m.Content) ?? [])), completion_tokens = FakeLlm.Tokens(answer), total_tokens = 0 };

        if (FakeLlm.Roll(faults.KeepAliveRate))
        {
            // DeepSeek answers 200 at once and then sends blank lines while the request waits: only a client deadline ends it.
            stats.KeepAlive.Increment();
            context.Response.ContentType = request.Stream ? "text/event-stream" : "application/json";
            for (var i = 0; i < faults.KeepAliveSeconds; i++)
            {
                await context.Response.WriteAsync("\n", cancellationToken);
                await context.Response.Body.FlushAsync(cancellationToken);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
        else
        {
            await Task.Delay(faults.LatencyMs, cancellationToken);
        }

        stats.Answered.Increment();
        if (!request.Stream)
        {
            context.Response.ContentType ??= "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new
            {
                id,
                @object = "chat.completion",
                created,
                model = request.Model ?? FakeLlm.Model,
                choices = new[] { new { index = 0, message = new { role = "assistant", content = answer }, finish_reason = "stop" } },
                usage,
            }), cancellationToken);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        foreach (var chunk in answer.Chunk(16))
        {
            await WriteEventAsync(context, new
            {
                id,
                @object = "chat.completion.chunk",
                created,
                model = request.Model ?? FakeLlm.Model,
                choices = new[] { new { index = 0, delta = new { content = new string(chunk) }, finish_reason = (string?)null } },
            }, cancellationToken);
        }

        await WriteEventAsync(context, new
        {
            id,
            @object = "chat.completion.chunk",
            created,
            model = request.Model ?? FakeLlm.Model,
            choices = new[] { new { index = 0, delta = new { content = string.Empty }, finish_reason = (string?)"stop" } },
            usage,
        }, cancellationToken);
        await context.Response.WriteAsync("data: [DONE]\n\n", cancellationToken);
    }

    /// <summary>OpenAI's speech to text: multipart <c>file</c> and <c>model</c>; JSON <c>{"text"}</c> back.</summary>
    private static async Task<IResult> Transcriptions(HttpContext context, LlmStats stats)
    {
        stats.Calls.Increment();
        if (string.IsNullOrEmpty(context.Request.Headers.Authorization))
        {
            return Results.Json(ErrorBody("Authentication Fails (no api key)", "authentication_error"), statusCode: 401);
        }

        if (!context.Request.HasFormContentType)
        {
            return Results.Json(ErrorBody("multipart/form-data with file and model expected", "invalid_request_error"), statusCode: 400);
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (form.Files["file"] is not { Length: > 0 } file || string.IsNullOrEmpty(form["model"]))
        {
            return Results.Json(ErrorBody("file and model are required", "invalid_request_error"), statusCode: 400);
        }

        stats.Answered.Increment();
        return Results.Json(new { text = FakeVision.Transcribe(file.FileName, file.Length) });
    }

    private static async Task WriteEventAsync(HttpContext context, object payload, CancellationToken cancellationToken)
    {
        await context.Response.WriteAsync("data: " + JsonSerializer.Serialize(payload) + "\n\n", cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }

    private static object ErrorBody(string message, string type) => new { error = new { message, type, code = type } };

    private sealed record ChatRequest(
        [property: JsonPropertyName("model")] string? Model,
        [property: JsonPropertyName("messages")] List<ChatMessage>? Messages,
        [property: JsonPropertyName("stream")] bool Stream);

    private sealed record ChatMessage(
        [property: JsonPropertyName("role")] string Role,
        [property: JsonPropertyName("content")] JsonElement RawContent)
    {
        /// <summary>OpenAI clients send content as a string or as an array of typed parts.</summary>
        [JsonIgnore]
        public string Content => RawContent.ValueKind switch
        {
            JsonValueKind.String => RawContent.GetString() ?? string.Empty,
            JsonValueKind.Array => string.Concat(RawContent.EnumerateArray()
                .Where(part => part.TryGetProperty("text", out _))
                .Select(part => part.GetProperty("text").GetString())),
            _ => string.Empty,
        };

        /// <summary>The <c>image_url</c> part's URL (a data: URI from the worker), if the message carries an image.</summary>
        [JsonIgnore]
        public string? ImageUrl => RawContent.ValueKind == JsonValueKind.Array
            ? RawContent.EnumerateArray()
                .Where(part => part.TryGetProperty("image_url", out var image) && image.TryGetProperty("url", out _))
                .Select(part => part.GetProperty("image_url").GetProperty("url").GetString())
                .LastOrDefault()
            : null;
    }
}
