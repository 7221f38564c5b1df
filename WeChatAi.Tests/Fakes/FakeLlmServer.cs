using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace WeChatAi.Tests.Fakes;

/// <summary>
/// The LLM's OpenAI-compatible <c>POST /chat/completions</c>: answers with <see cref="Answer"/> after <see cref="Delay"/>,
/// records what it was asked, and injects faults (HTTP status codes queued in <see cref="Faults"/>). A question
/// with an <c>image_url</c> data URI is answered by <see cref="ImageAnswer"/>; <c>POST /audio/transcriptions</c>
/// (multipart, OpenAI's speech to text) by <see cref="Transcribe"/>.
/// </summary>
public sealed class FakeLlmServer : FakeHttpServer
{
    private long _calls;
    private long _inFlight;
    private long _answered;

    /// <summary>Makes the answer from the user's last message.</summary>
    public Func<string, string> Answer { get; set; } = question => $"答复：{question}";

    /// <summary>DeepSeek's <c>reasoning_content</c> beside the answer (null: none), as reasoning models send it.</summary>
    public Func<string, string?> ReasoningContent { get; set; } = _ => null;
    /// <summary>Answers a question that carries an image (its media type and decoded bytes).</summary>
    public Func<SentImage, string> ImageAnswer { get; set; } = image => $"图片：{image.MediaType}，{image.Bytes.Length} 字节";

    /// <summary>Every image sent in a question, with the model it was sent to.</summary>
    public ConcurrentQueue<SentImage> Images { get; } = new();

    /// <summary>Makes the transcription of an uploaded audio file.</summary>
    public Func<SentAudio, string> Transcribe { get; set; } = audio => "这是一段语音";

    public ConcurrentQueue<SentAudio> Transcriptions { get; } = new();

    /// <summary>How long the answer to a question takes, when set (instead of <see cref="Delay"/>).</summary>
    public Func<string, TimeSpan>? DelayFor { get; set; }

    /// <summary>How long each answer takes (the first <see cref="SlowCalls"/> calls only, if that is set).</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.Zero;

    /// <summary>When not null, only this many calls are slow; later ones answer at once.</summary>
    public int? SlowCalls { get; set; }

    /// <summary>Status codes to answer the next calls with, in order (e.g. 503), instead of an answer.</summary>
    public ConcurrentQueue<int> Faults { get; } = new();

    /// <summary>Share of calls (0–1) answered 503 at random, besides the queued <see cref="Faults"/>.</summary>
    public double FaultRate { get; set; }

    /// <summary>Every request's messages (role, content), in arrival order; not kept when <see cref="Record"/> is false.</summary>
    public ConcurrentQueue<IReadOnlyList<(string Role, string Content)>> Requests { get; } = new();

    public bool Record { get; set; } = true;

    /// <summary>Called with the user's last message as each request arrives (the benchmark measures queueing there).</summary>
    public Action<string>? OnRequest { get; set; }

    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>
    /// Per call, in arrival order: calls in flight including this one, and calls answered before it arrived (both
    /// updated before an answer is written, so a client that saw an answer finds it counted). Not kept when
    /// <see cref="Record"/> is false.
    /// </summary>
    public ConcurrentQueue<(long InFlight, long AnsweredBefore)> Arrivals { get; } = new();

    public static async Task<FakeLlmServer> StartAsync(int port = 0)
    {
        var server = new FakeLlmServer();
        await server.StartAsyncCore(port);
        return server;
    }

    // JsonDocument (pooled buffers) in and Utf8JsonWriter out, straight to the response: the benchmark runs this at
    // 1,000 requests/s on the worker's cores, so the fake must not cost more than the real service's network would.
    protected override void Map(WebApplication app)
    {
        app.MapPost("/audio/transcriptions", async (HttpContext context) =>
        {
            var form = await context.Request.ReadFormAsync();
            var file = form.Files["file"];
            if (file is null || string.IsNullOrEmpty(form["model"]))
            {
                return Results.Json(new { error = new { message = "file and model are required", type = "invalid_request_error" } }, statusCode: 400);
            }

            using var bytes = new MemoryStream();
            await file.CopyToAsync(bytes);
            var audio = new SentAudio(form["model"].ToString(), file.FileName, bytes.ToArray());
            Transcriptions.Enqueue(audio);
            return Results.Json(new { text = Transcribe(audio) });
        });
        app.MapPost("/chat/completions", async (HttpContext context) =>
        {
            var call = Interlocked.Increment(ref _calls);
            var inFlight = Interlocked.Increment(ref _inFlight);
            if (Record)
            {
                Arrivals.Enqueue((inFlight, Interlocked.Read(ref _answered)));
            }

            var answered = false;
            try
            {
                await RespondAsync(context, call, () =>
                {
                    // Before the answer is written: a client that saw it finds it counted.
                    answered = true;
                    Interlocked.Increment(ref _answered);
                    Interlocked.Decrement(ref _inFlight);
                });
            }
            finally
            {
                if (!answered)
                {
                    Interlocked.Decrement(ref _inFlight);
                }
            }
        });
    }

    private async Task RespondAsync(HttpContext context, long call, Action answering)
    {
        string model;
        string question;
        SentImage? image;
        using (var body = await JsonDocument.ParseAsync(context.Request.Body))
        {
            model = body.RootElement.TryGetProperty("model", out var modelName) ? modelName.GetString() ?? "fake" : "fake";
            image = body.RootElement.GetProperty("messages").EnumerateArray()
                .Where(m => m.TryGetProperty("content", out var parts) && parts.ValueKind == JsonValueKind.Array)
                .SelectMany(m => m.GetProperty("content").EnumerateArray())
                .Where(p => p.TryGetProperty("image_url", out _))
                .Select(p => ImageOf(model, p.GetProperty("image_url").GetProperty("url").GetString()!))
                .LastOrDefault();
            if (image is not null)
            {
                Images.Enqueue(image);
            }

            var messages = body.RootElement.GetProperty("messages").EnumerateArray()
                .Select(m => (m.GetProperty("role").GetString()!, ContentOf(m.TryGetProperty("content", out var content) ? content : default)))
                .ToList();
            if (Record)
            {
                Requests.Enqueue(messages);
            }

            question = messages.LastOrDefault(m => m.Item1 == "user").Item2 ?? string.Empty;
        }

        OnRequest?.Invoke(question);
        var status = Faults.TryDequeue(out var queued) ? queued
            : FaultRate > 0 && Random.Shared.NextDouble() < FaultRate ? StatusCodes.Status503ServiceUnavailable
            : 0;
        if (status != 0)
        {
            answering();
            context.Response.StatusCode = status;
            context.Response.Headers.RetryAfter = "0";
            await context.Response.WriteAsync("""{"error":{"message":"injected fault","type":"server_error"}}""");
            return;
        }

        if (DelayFor is not null)
        {
            await Task.Delay(DelayFor(question), context.RequestAborted);
        }
        else if (Delay > TimeSpan.Zero && (SlowCalls is null || call <= SlowCalls))
        {
            await Task.Delay(Delay, context.RequestAborted);
        }

        var answer = image is null ? Answer(question) : ImageAnswer(image);
        answering();
        context.Response.ContentType = "application/json";
        using (var json = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            json.WriteStartObject();
            json.WriteString("id", $"chatcmpl-{call}");
            json.WriteString("object", "chat.completion");
            json.WriteNumber("created", DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            json.WriteString("model", model);
            json.WriteStartArray("choices");
            json.WriteStartObject();
            json.WriteNumber("index", 0);
            json.WriteStartObject("message");
            json.WriteString("role", "assistant");
            json.WriteString("content", answer);
            if (ReasoningContent(question) is { } reasoning)
            {
                json.WriteString("reasoning_content", reasoning);
            }
            json.WriteEndObject();
            json.WriteString("finish_reason", "stop");
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteStartObject("usage");
            json.WriteNumber("prompt_tokens", question.Length);
            json.WriteNumber("completion_tokens", answer.Length);
            json.WriteNumber("total_tokens", question.Length + answer.Length);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    // OpenAI's image_url part: data:{mediaType};base64,{bytes}
    private static SentImage ImageOf(string model, string url)
    {
        var comma = url.IndexOf(',', StringComparison.Ordinal);
        var header = url[..comma];
        return new SentImage(model, header["data:".Length..header.IndexOf(';', StringComparison.Ordinal)], Convert.FromBase64String(url[(comma + 1)..]));
    }

    private static string ContentOf(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => content.GetString()!,
        JsonValueKind.Array => string.Concat(content.EnumerateArray()
            .Select(p => p.TryGetProperty("text", out var text) ? text.GetString() : string.Empty)),
        JsonValueKind.Null or JsonValueKind.Undefined => string.Empty,
        _ => content.GetRawText(),
    };
}

public sealed record SentImage(string Model, string MediaType, byte[] Bytes);

public sealed record SentAudio(string Model, string FileName, byte[] Bytes);
