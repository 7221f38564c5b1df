using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Simulator;

/// <summary>The chat page's burst against the whole app: what the webhook's per-user limit refused is counted, not lost.</summary>
[Collection(AppHostCollection.Name)]
public sealed class SimulatorBurstTests(AppHostFixture fixture)
{
    [Fact]
    public async Task A_burst_over_the_per_user_limit_counts_the_refused_messages_and_ends_with_no_answers_per_second()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient { BaseAddress = fixture.App.GetEndpoint("simulator", "http") };

        // One user, 8 messages: the default burst of 5 admits 5 (the bucket refills one every 6 s).
        using (var started = await http.PostAsJsonAsync("/sim/burst", new { messages = 8, users = 1, concurrency = 8, safeMode = true }, ct))
        {
            Assert.True(started.IsSuccessStatusCode, await started.Content.ReadAsStringAsync(ct));
        }

        var during = await http.GetFromJsonAsync<JsonElement>("/sim/burst", ct);
        Assert.Contains(during.GetProperty("phase").GetString(), (string[])["sending", "answering"]);
        Assert.True(during.GetProperty("running").GetBoolean());

        JsonElement status;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        do
        {
            await Task.Delay(500, ct);
            status = await http.GetFromJsonAsync<JsonElement>("/sim/burst", ct);
        }
        while (status.GetProperty("phase").GetString() != "idle" && DateTime.UtcNow < deadline);

        Assert.Equal("idle", status.GetProperty("phase").GetString());
        var rateLimited = status.GetProperty("rateLimited").GetInt64();
        Assert.InRange(rateLimited, 1, 3);
        Assert.Equal(8 - rateLimited, status.GetProperty("answered").GetInt64());
        Assert.Equal(0, status.GetProperty("answeredPerSecond").GetDouble());
        Assert.Equal(5, status.GetProperty("limits").GetProperty("perUserBurst").GetInt32());
    }
}
