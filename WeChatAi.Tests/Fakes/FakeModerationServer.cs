using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace WeChatAi.Tests.Fakes;

/// <summary>
/// An OpenAI-compatible moderation service, <c>POST /v1/moderations</c>: flags every input containing
/// <see cref="FlagMarker"/> (category <c>harassment</c>), records the inputs, and answers 503 while <see cref="Down"/>.
/// </summary>
public sealed class FakeModerationServer : FakeHttpServer
{
    public const string Path = "/v1/moderations";

    private long _calls;

    public string FlagMarker { get; set; } = "flag-me";

    public bool Down { get; set; }

    /// <summary>Every input checked, in arrival order, with the bearer token it came with.</summary>
    public ConcurrentQueue<(string Input, string? Authorization)> Requests { get; } = new();

    public long Calls => Interlocked.Read(ref _calls);

    public Uri Url => new(BaseAddress, Path);

    public static async Task<FakeModerationServer> StartAsync()
    {
        var server = new FakeModerationServer();
        await server.StartAsyncCore();
        return server;
    }

    protected override void Map(WebApplication app) =>
        app.MapPost(Path, async (HttpContext context) =>
        {
            Interlocked.Increment(ref _calls);
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            var input = body.RootElement.GetProperty("input").GetString() ?? string.Empty;
            var model = body.RootElement.GetProperty("model").GetString();
            Requests.Enqueue((input, context.Request.Headers.Authorization.ToString() is { Length: > 0 } auth ? auth : null));
            if (Down)
            {
                return Results.Json(new { error = new { message = "injected fault", type = "server_error" } }, statusCode: 503);
            }

            var flagged = input.Contains(FlagMarker, StringComparison.Ordinal);
            return Results.Json(new
            {
                id = "modr-" + Calls,
                model,
                results = new[]
                {
                    new
                    {
                        flagged,
                        categories = new Dictionary<string, bool> { ["harassment"] = flagged, ["violence"] = false },
                        category_scores = new Dictionary<string, double> { ["harassment"] = flagged ? 0.97 : 0.01, ["violence"] = 0.02 },
                    },
                },
            });
        });
}
