using System.Net;
using System.Text.Json;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Admin;

/// <summary>The API run as a real process with an admin key, and the operator's requests to it.</summary>
internal sealed class AdminApi : IAsyncDisposable
{
    public const string Key = "test-admin-key-0123456789";

    private AdminApi(ServiceProcess api) => Process = api;

    public ServiceProcess Process { get; }

    public static async Task<AdminApi> StartAsync(string redis, string database, string? key = Key) =>
        new(await ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = redis,
            ["ConnectionStrings__wechatdb"] = database,
            ["Admin__ApiKey"] = key,
        }));

    /// <summary>Sends a request with <c>X-Admin-Key</c> (or the given headers); returns the status and the JSON body, if any.</summary>
    public Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, IDictionary<string, string>? headers = null) =>
        SendAsync(Process.Client, method, path, headers ?? new Dictionary<string, string> { ["X-Admin-Key"] = Key });

    /// <summary>An operator's request to any API process: <paramref name="json"/> as the body, if given.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(
        HttpClient client, HttpMethod method, string path, IDictionary<string, string> headers, string? json = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>
    /// <see cref="SendAsync(HttpClient, HttpMethod, string, IDictionary{string, string}, string?)"/> as a script that
    /// honours the API's per-address bucket (20 at once, then 10 a second): a 429 from it is waited out (Retry-After) and
    /// the request sent again, so a test of many quick calls asserts what it means to on a slow machine too.
    /// </summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendWithinRateAsync(
        HttpClient client, HttpMethod method, string path, IDictionary<string, string> headers, string? json = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await SendAsync(client, method, path, headers, json);
            if (response.Status != HttpStatusCode.TooManyRequests || attempt == 10
                || !(response.Body.TryGetProperty("detail", out var detail) && (detail.GetString() ?? "").StartsWith("Too many requests from this address", StringComparison.Ordinal)))
            {
                return response;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        }
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path) => SendAsync(HttpMethod.Post, path);

    public Task<(HttpStatusCode Status, JsonElement Body)> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
