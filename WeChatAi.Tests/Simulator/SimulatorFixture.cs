using System.Net.Http.Json;
using System.Text.Json;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Simulator;

/// <summary>The simulator run on its own as a real process, its webhook target given by the test.</summary>
internal sealed class SimulatorProcess : IAsyncDisposable
{
    public const string Token = "simulator-test-token";
    public const string AppId = "wx0123456789abcdef";
    public const string AppSecret = "0123456789abcdef0123456789abcdef";
    public const string EncodingAesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

    private readonly ServiceProcess _service;

    private SimulatorProcess(ServiceProcess service)
    {
        _service = service;
    }

    public HttpClient Client => _service.Client;

    public string Output => _service.Output;

    /// <summary>SIGTERM; returns the exit code.</summary>
    public Task<int> StopAsync() => _service.StopAsync(TimeSpan.FromSeconds(30));

    public static async Task<SimulatorProcess> StartAsync(Uri webhook, int tokenLifetimeSeconds = 7200, int llmLatencyMs = 0, IDictionary<string, string?>? extra = null) =>
        new(await ServiceProcess.StartAsync("WeChatAi.Simulator", new Dictionary<string, string?>(extra ?? new Dictionary<string, string?>())
        {
            ["Simulator__WebhookUrl"] = webhook.ToString(),
            ["Simulator__Token"] = Token,
            ["Simulator__AppId"] = AppId,
            ["Simulator__AppSecret"] = AppSecret,
            ["Simulator__EncodingAESKey"] = EncodingAesKey,
            ["Simulator__TokenLifetimeSeconds"] = tokenLifetimeSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Simulator__Llm__LatencyMs"] = llmLatencyMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }));

    public async Task<JsonElement> PostJsonAsync(string path, object body)
    {
        using var response = await Client.PostAsJsonAsync(new Uri(path, UriKind.Relative), body, TestContext.Current.CancellationToken);
        return await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }

    public async Task<JsonElement> GetJsonAsync(string path) =>
        await Client.GetFromJsonAsync<JsonElement>(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);

    public async Task<string> StableTokenAsync(bool forceRefresh = false) =>
        (await PostJsonAsync("/cgi-bin/stable_token", new { grant_type = "client_credential", appid = AppId, secret = AppSecret, force_refresh = forceRefresh }))
            .GetProperty("access_token").GetString()!;

    public async Task<int> SendCustomAsync(string token, string openId, string content) =>
        (await PostJsonAsync($"/cgi-bin/message/custom/send?access_token={token}", new { touser = openId, msgtype = "text", text = new { content } }))
            .GetProperty("errcode").GetInt32();

    /// <summary>Creates a simulated user and has them write one message (which opens their 48-hour window).</summary>
    public async Task<string> UserWritesAsync(string text)
    {
        var user = await PostJsonAsync("/sim/users", new { name = "tester" });
        var openId = user.GetProperty("openId").GetString()!;
        await PostJsonAsync($"/sim/users/{openId}/messages", new { text, safeMode = false });
        return openId;
    }

    public ValueTask DisposeAsync() => _service.DisposeAsync();
}
