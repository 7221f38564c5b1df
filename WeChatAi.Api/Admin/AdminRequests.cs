using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;

namespace WeChatAi.Api.Admin;

/// <summary>What every admin endpoint does with its input: the JSON body, and a 400 that says what was wrong.</summary>
public static class AdminRequests
{
    public static ProblemHttpResult BadRequest(string detail) => TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest);

    /// <summary>An endpoint filter's refusal: the problem instead of the handler's answer.</summary>
    public static ValueTask<object?> Refusal(int status, string detail) =>
        ValueTask.FromResult<object?>(TypedResults.Problem(detail, statusCode: status));

    /// <summary>
    /// The JSON body, or a 400 naming <paramref name="expected"/> (the shape the endpoint wants) when it is malformed or
    /// JSON <c>null</c>. An empty body is a 400 too, unless <paramref name="optional"/>: then it is (null, null).
    /// </summary>
    public static async Task<(T? Body, ProblemHttpResult? Problem)> ReadJsonAsync<T>(
        HttpRequest request, JsonTypeInfo<T> type, string expected, CancellationToken cancellationToken, bool optional = false) where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (optional && request.ContentLength == 0)
        {
            return (null, null);
        }

        try
        {
            return await JsonSerializer.DeserializeAsync(request.Body, type, cancellationToken) is { } body
                ? (body, null)
                : (null, BadRequest($"The body must be {expected}."));
        }
        catch (JsonException ex)
        {
            return (null, BadRequest($"The body must be {expected}: {ex.Message}"));
        }
    }
}
