using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace WeChatAi.Tests.Simulator;

/// <summary>The simulator's OpenAI-compatible moderation stand-in, as the worker's content safety calls it.</summary>
public sealed class SimulatorModerationTests
{
    [Fact]
    public async Task Flags_inputs_with_the_marker_and_passes_the_others()
    {
        await using var simulator = await SimulatorProcess.StartAsync(new Uri("http://127.0.0.1:1/wechat"));

        var flagged = await ModerateAsync(simulator, "这是审核测试的内容", authorized: true);
        Assert.Equal(HttpStatusCode.OK, flagged.Status);
        var result = flagged.Body.GetProperty("results")[0];
        Assert.True(result.GetProperty("flagged").GetBoolean());
        Assert.True(result.GetProperty("categories").GetProperty("harassment").GetBoolean());
        Assert.True(result.GetProperty("category_scores").GetProperty("harassment").GetDouble() > 0.5);

        var clean = await ModerateAsync(simulator, "今天天气不错", authorized: true);
        Assert.False(clean.Body.GetProperty("results")[0].GetProperty("flagged").GetBoolean());

        Assert.Equal(HttpStatusCode.Unauthorized, (await ModerateAsync(simulator, "今天天气不错", authorized: false)).Status);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ModerateAsync(SimulatorProcess simulator, string input, bool authorized)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/moderations")
        {
            Content = JsonContent.Create(new { model = "omni-moderation-latest", input }),
        };
        if (authorized)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "simulator");
        }

        using var response = await simulator.Client.SendAsync(request, TestContext.Current.CancellationToken);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken));
    }
}
