using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace WeChatAi.Admin.Api;

/// <summary>The API refused a call (its ProblemDetails' <c>detail</c> and, for validation problems, the errors by field) or could not be reached.</summary>
public sealed class AdminApiException : Exception
{
    public AdminApiException()
    {
    }

    public AdminApiException(string message) : base(message)
    {
    }

    public AdminApiException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public AdminApiException(int status, string message, IReadOnlyDictionary<string, string[]>? errors = null, Exception? innerException = null, IReadOnlyDictionary<string, JsonElement>? extensions = null)
        : base(message, innerException)
    {
        Status = status;
        Errors = errors ?? new Dictionary<string, string[]>();
        Extensions = extensions ?? new Dictionary<string, JsonElement>();
    }

    /// <summary>The HTTP status; 0 when the API did not answer.</summary>
    public int Status { get; }

    /// <summary>Validation errors keyed by setting or field name (<c>Results.ValidationProblem</c>).</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; } = new Dictionary<string, string[]>();

    /// <summary>The problem's other members (a handoff's 409 names the <c>assignee</c>; WeChat's refusal has its <c>errcode</c>).</summary>
    public IReadOnlyDictionary<string, JsonElement> Extensions { get; } = new Dictionary<string, JsonElement>();

    public static async Task<AdminApiException> FromResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var status = (int)response.StatusCode;
        Problem? problem = null;
        try
        {
            problem = await response.Content.ReadFromJsonAsync<Problem>(AdminApiJson.Options, cancellationToken);
        }
        catch (JsonException)
        {
            // Not a ProblemDetails body (a proxy's error page): the status says enough.
        }

        var detail = problem?.Detail ?? problem?.Title ?? $"The API answered {status} {response.ReasonPhrase}.";
        return new AdminApiException(status, detail, problem?.Errors, extensions: problem?.Extensions);
    }

    private sealed record Problem(string? Title, string? Detail, Dictionary<string, string[]>? Errors)
    {
        [JsonExtensionData]
        public Dictionary<string, JsonElement>? Extensions { get; init; }
    }
}
