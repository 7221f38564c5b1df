using System.Net;
using System.Text.Json;
using WeChatAi.Tests.Admin;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Overview;

/// <summary>The real API process with the webhook, the admin key and a token price, and its overview.</summary>
internal static class OverviewApi
{
    public const string Token = "overview-test-token";
    public const string Path = "/api/admin/overview";

    public static Task<ServiceProcess> StartAsync(string redis, string database, string appId, string price = "0.002") =>
        ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>
        {
            ["ConnectionStrings__redis"] = redis,
            ["ConnectionStrings__wechatdb"] = database,
            ["WeChat__Token"] = Token,
            ["WeChat__AppId"] = appId,
            ["WeChat__AckMode"] = "text",
            ["Admin__ApiKey"] = AdminApi.Key,
            ["Llm__PricePer1kTokens"] = price,
        });

    public static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(ServiceProcess api) =>
        await AdminApi.SendAsync(api.Client, HttpMethod.Get, Path, new Dictionary<string, string> { ["X-Admin-Key"] = AdminApi.Key });

    /// <summary>Reads the overview until <paramref name="condition"/> holds (it is cached for 2 s); returns the last one read.</summary>
    public static async Task<JsonElement> WaitForAsync(ServiceProcess api, Func<JsonElement, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var (status, body) = await GetAsync(api);
            Assert.Equal(HttpStatusCode.OK, status);
            if (condition(body))
            {
                return body;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}; the last overview: {body}");
            }

            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
    }

    public static JsonElement Health(JsonElement overview, string name) =>
        overview.GetProperty("health").EnumerateArray().Single(h => h.GetProperty("name").GetString() == name);

    public static long Sum(JsonElement overview, string series, string field) =>
        overview.GetProperty(series).EnumerateArray().Sum(e => e.GetProperty(field).GetInt64());
}
