using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace WeChatAi.Simulator.Moderation;

/// <summary>
/// An OpenAI-compatible <c>POST /v1/moderations</c> for the worker's content safety: flags any input containing
/// <see cref="SimulatorOptions.ModerationMarker"/> (category <c>harassment</c>), so the chat page can show a blocked
/// question; every other input is clean.
/// </summary>
public static class ModerationEndpoints
{
    public const string Path = "/v1/moderations";

    public static IEndpointRouteBuilder MapFakeModeration(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, (HttpContext context, ModerationRequest request, IOptions<SimulatorOptions> options) =>
        {
            if (string.IsNullOrEmpty(context.Request.Headers.Authorization))
            {
                return Results.Json(new { error = new { message = "no api key", type = "authentication_error" } }, statusCode: 401);
            }

            var flagged = request.Input?.Contains(options.Value.ModerationMarker, StringComparison.Ordinal) == true;
            return Results.Json(new
            {
                id = "modr-" + Guid.NewGuid().ToString("N"),
                model = request.Model ?? "simulator-moderation",
                results = new[]
                {
                    new
                    {
                        flagged,
                        categories = new Dictionary<string, bool> { ["harassment"] = flagged, ["violence"] = false },
                        category_scores = new Dictionary<string, double> { ["harassment"] = flagged ? 0.98 : 0.01, ["violence"] = 0.01 },
                    },
                },
            });
        });
        return app;
    }

    public sealed record ModerationRequest(
        [property: JsonPropertyName("model")] string? Model,
        [property: JsonPropertyName("input")] string? Input);
}
