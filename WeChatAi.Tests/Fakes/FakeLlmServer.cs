using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace WeChatAi.Tests.Fakes;

/// <summary>
/// The LLM's OpenAI-compatible <c>POST /chat/completions</c>: answers with <see cref="Answer"/> after <see cref="Delay"/>,
/// records what it was asked, and injects faults (HTTP status codes queued in <see cref="Faults"/>).
/// </summary>
public sealed class FakeLlmServer : FakeHttpServer
{
    private long _calls;

    /// <summary>Makes the answer from the user's last message.</summary>
    public Func<string, string> Answer { get; set; } = question => $"答复：{question}";

    /// <summary>How long each answer takes (the first <see cref="SlowCalls"/> calls only, if that is set).</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.Zero;

    /// <summary>When not null, only this many calls are slow; later ones answer at once.</summary>
    public int? SlowCalls { get; set; }

    /// <summary>Status codes to answer the next calls with, in order (e.g. 503), instead of an answer.</summary>
    public ConcurrentQueue<int> Faults { get; } = new();

    /// <summary>Every request's messages (role, content), in arrival order; not kept when <see cref="Record"/> is false.</summary>
    public ConcurrentQueue<IReadOnlyList<(string Role, string Content)>> Requests { get; } = new();

    public bool Record { get; set; } = true;

    /// <summary>Called with the user's last message as each request arrives (the benchmark measures queueing there).</summary>
    public Action<string>? OnRequest { get; set; }

    public long Calls => Interlocked.Read(ref _calls);

    public static async Task<FakeLlmServer> StartAsync(int port = 0)
    {
        var server = new FakeLlmServer();
        await server.StartAsyncCore(port);
        return server;
    }

    protected override void Map(WebApplication app) =>
        app.MapPost("/chat/completions", async (HttpContext context) =>
        {
            var call = Interlocked.Increment(ref _calls);
            var body = await JsonNode.ParseAsync(context.Request.Body);
            var messages = body!["messages"]!.AsArray()
                .Select(m => (m!["role"]!.GetValue<string>(), ContentOf(m["content"])))
                .ToList();
            if (Record)
            {
                Requests.Enqueue(messages);
            }

            OnRequest?.Invoke(messages.LastOrDefault(m => m.Item1 == "user").Item2 ?? string.Empty);
            if (Faults.TryDequeue(out var status))
            {
                context.Response.StatusCode = status;
                context.Response.Headers.RetryAfter = "0";
                await context.Response.WriteAsync("""{"error":{"message":"injected fault","type":"server_error"}}""");
                return;
            }

            if (Delay > TimeSpan.Zero && (SlowCalls is null || call <= SlowCalls))
            {
                await Task.Delay(Delay, context.RequestAborted);
            }

            var question = messages.LastOrDefault(m => m.Item1 == "user").Item2 ?? string.Empty;
            var answer = Answer(question);
            var response = new JsonObject
            {
                ["id"] = $"chatcmpl-{call}",
                ["object"] = "chat.completion",
                ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["model"] = body["model"]?.GetValue<string>() ?? "fake",
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = answer },
                    ["finish_reason"] = "stop",
                }),
                ["usage"] = new JsonObject
                {
                    ["prompt_tokens"] = question.Length,
                    ["completion_tokens"] = answer.Length,
                    ["total_tokens"] = question.Length + answer.Length,
                },
            };
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(response.ToJsonString());
        });

    private static string ContentOf(JsonNode? content) => content switch
    {
        null => string.Empty,
        JsonValue value => value.GetValue<string>(),
        JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.GetValue<string>() ?? string.Empty)),
        _ => content.ToJsonString(),
    };
}
