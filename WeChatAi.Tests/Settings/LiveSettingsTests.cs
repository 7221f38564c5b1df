using System.Globalization;
using System.Net;
using System.Text.Json;
using WeChatAi.Core.Settings;
using WeChatAi.Tests.Admin;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Webhook;
using WeChatAi.Tests.Worker;

namespace WeChatAi.Tests.Settings;

/// <summary>
/// The console's settings, end to end: two API replicas and a worker as real processes on one Redis and PostgreSQL; a
/// change through one replica's <c>PUT /api/admin/settings</c> is what both replicas and the worker use next, without a restart.
/// </summary>
public sealed class LiveSettingsTests(PostgresServer postgres) : IAsyncLifetime
{
    internal const string Token = "settings-test-token";
    private const string Label = "（AI）";

    private static readonly TimeSpan Live = TimeSpan.FromSeconds(10);

    private WorkerHarness _h = null!;
    private readonly List<ServiceProcess> _apis = [];
    private WeChatClient[] _weChat = [];
    private long _msgId = 5_000;

    public async ValueTask InitializeAsync()
    {
        _h = await WorkerHarness.StartAsync(postgres);
        for (var i = 0; i < 2; i++)
        {
            _apis.Add(await ServiceProcess.StartAsync("WeChatAi.Api", ApiEnvironment(_h.Redis.ConnectionString, _h.Database)));
        }

        _weChat = [.. _apis.Select(a => new WeChatClient(a.Client, Token))];
        await _h.StartWorkerAsync(new Dictionary<string, string?> { ["Compliance__AiLabel"] = Label });
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var api in _apis)
        {
            await api.DisposeAsync();
        }

        await _h.DisposeAsync();
    }

    [Fact]
    public async Task A_change_is_live_on_both_replicas_and_the_worker_and_null_goes_back_to_the_configured_value()
    {
        var initial = await GetSettingsAsync();
        Assert.Equal("正在思考中...", initial.GetProperty("values").GetProperty("WeChat:AckText").GetString());
        Assert.Equal(0, initial.GetProperty("overridden").GetArrayLength());
        var configuredProducts = initial.GetProperty("products").GetArrayLength();
        Assert.Equal(2, configuredProducts);

        var saved = await PutAsync("""{ "values": { "WeChat:AckText": "请稍候，马上就好", "Compliance:AiLabel": "【新标签】", "Billing:FreeDailyMessages": 1 } }""", operatorName: "alice");
        Assert.Equal(HttpStatusCode.OK, saved.Status);
        Assert.Equal("请稍候，马上就好", saved.Body.GetProperty("values").GetProperty("WeChat:AckText").GetString());
        Assert.Equal(["Billing:FreeDailyMessages", "Compliance:AiLabel", "WeChat:AckText"], Sorted(saved.Body.GetProperty("overridden")));
        Assert.Equal("alice", saved.Body.GetProperty("updatedBy").GetString());

        // Both replicas answer with the new text within a few seconds; neither was restarted.
        foreach (var weChat in _weChat)
        {
            await EventuallyAsync(async () => await AskAsync(weChat, $"o-ack-{Guid.NewGuid():N}", "你好") == "请稍候，马上就好", "the new AckText");
        }

        // The quota lowered to one: a user's second question today is over it (and the reply says one).
        var user = "o-quota";
        Assert.Equal("请稍候，马上就好", await AskAsync(_weChat[0], user, "第一个问题"));
        var over = await AskAsync(_weChat[1], user, "第二个问题");
        Assert.Contains("今天的 1 次免费提问已用完", over, StringComparison.Ordinal);

        // The worker labels its next answer with the new label, once it loaded the change (the first save is version 1).
        await WorkerLoadedAsync(1);
        await _h.EnqueueAsync("o-label", "问题");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("o-label").Count == 1, "the labelled answer");
        Assert.Equal("答复：问题\n【新标签】", _h.WeChat.MessagesTo("o-label")[0]);

        // null: back to the configured values, live again.
        var reset = await PutAsync("""{ "values": { "WeChat:AckText": null, "Compliance:AiLabel": null } }""");
        Assert.Equal(HttpStatusCode.OK, reset.Status);
        Assert.Equal("正在思考中...", reset.Body.GetProperty("values").GetProperty("WeChat:AckText").GetString());
        Assert.Equal(["Billing:FreeDailyMessages"], Sorted(reset.Body.GetProperty("overridden")));
        foreach (var weChat in _weChat)
        {
            await EventuallyAsync(async () => await AskAsync(weChat, $"o-back-{Guid.NewGuid():N}", "你好") == "正在思考中...", "the configured AckText");
        }

        await WorkerLoadedAsync(2);
        await _h.EnqueueAsync("o-label-back", "问题");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("o-label-back").Count == 1, "the answer with the configured label");
        Assert.Equal($"答复：问题\n{Label}", _h.WeChat.MessagesTo("o-label-back")[0]);

        // One audit row per changed setting, old → new, with the operator who made it.
        var audit = await AuditAsync();
        Assert.Equal(5, audit.Count);
        var first = audit.Single(a => a.Target == "WeChat:AckText" && a.Actor == "alice");
        Assert.Equal(("正在思考中...", "请稍候，马上就好"), first.Detail);
        Assert.Equal(("【新标签】", "【本回复由人工智能生成】"), audit.Single(a => a.Target == "Compliance:AiLabel" && a.Actor == "api-key").Detail);
        Assert.Equal(("20", "1"), audit.Single(a => a.Target == "Billing:FreeDailyMessages").Detail);
    }

    [Fact]
    public async Task The_over_quota_text_is_live_with_the_day_s_free_questions_filled_in_before_the_purchase_link()
    {
        var saved = await PutAsync("""{ "values": { "Billing:FreeDailyMessages": 1, "Billing:OverQuotaText": "今日 {free} 次已用完，欢迎明天再来。" } }""");
        Assert.Equal(HttpStatusCode.OK, saved.Status);
        foreach (var weChat in _weChat)
        {
            var user = $"o-over-{Guid.NewGuid():N}";
            await EventuallyAsync(async () =>
            {
                await AskAsync(weChat, user, "问题");
                return (await AskAsync(weChat, user, "再问")).StartsWith("今日 1 次已用完，欢迎明天再来。", StringComparison.Ordinal);
            }, "the operator's over-quota text");
        }

        var empty = await PutAsync("""{ "values": { "Billing:OverQuotaText": "" } }""");
        Assert.Equal(HttpStatusCode.BadRequest, empty.Status);
        Assert.True(empty.Body.GetProperty("errors").TryGetProperty("Billing:OverQuotaText", out _));
    }

    [Fact]
    public async Task The_console_product_list_replaces_the_configured_one_wholesale_and_null_brings_it_back()
    {
        var configured = await ProductsAsync(_apis[0]);
        Assert.Equal(["p30:30 次提问:300:30:30", "p200:200 次提问:1500:200:90"], configured);

        var saved = await PutAsync("""{ "products": [ { "id": "solo", "name": "单次体验包", "priceFen": 100, "credits": 5, "validityDays": 7 } ] }""");
        Assert.Equal(HttpStatusCode.OK, saved.Status);
        Assert.True(saved.Body.GetProperty("productsOverridden").GetBoolean());

        // Fewer products than configured: exactly the console's list, not the first one replaced and the rest kept.
        foreach (var api in _apis)
        {
            await EventuallyAsync(async () => (await ProductsAsync(api)).SequenceEqual(["solo:单次体验包:100:5:7"]), "the console's single product");
        }

        var reset = await PutAsync("""{ "values": { "Billing:Products": null } }""");
        Assert.Equal(HttpStatusCode.OK, reset.Status);
        Assert.False(reset.Body.GetProperty("productsOverridden").GetBoolean());
        foreach (var api in _apis)
        {
            await EventuallyAsync(async () => (await ProductsAsync(api)).SequenceEqual(configured), "the configured products");
        }

        Assert.Equal(2, (await AuditAsync()).Count(a => a.Target == AccountSettingsCatalog.ProductsKey));
    }

    [Fact]
    public async Task An_invalid_change_is_refused_naming_the_setting_and_nothing_is_saved()
    {
        var before = await GetSettingsAsync();
        var cases = new (string Body, string Key)[]
        {
            ("""{ "values": { "WeChat:AckText": "" } }""", "WeChat:AckText"),
            ($$"""{ "values": { "Compliance:AiLabel": "{{new string('标', 201)}}" } }""", "Compliance:AiLabel"),
            ("""{ "values": { "Billing:FreeDailyMessages": -1 } }""", "Billing:FreeDailyMessages"),
            ("""{ "values": { "Billing:FreeDailyMessages": "many" } }""", "Billing:FreeDailyMessages"),
            ("""{ "values": { "Compliance:UserAgreementUrl": "not a url" } }""", "Compliance:UserAgreementUrl"),
            ("""{ "values": { "Safety:BlockedAnswerText": "" } }""", "Safety:BlockedAnswerText"),
            ("""{ "values": { "WeChat:Token": "stolen" } }""", "WeChat:Token"),
            ("""{ "products": [ { "id": "ok", "name": "好", "priceFen": 0, "credits": 5, "validityDays": 7 } ] }""", "Billing:Products"),
            ("""{ "products": [ { "id": "a", "name": "甲", "priceFen": 1, "credits": 1, "validityDays": 1 }, { "id": "a", "name": "乙", "priceFen": 1, "credits": 1, "validityDays": 1 } ] }""", "Billing:Products"),
        };

        foreach (var (body, key) in cases)
        {
            // A valid change beside the invalid one is not saved either.
            var json = body.Replace("{ \"values\": { ", "{ \"values\": { \"WeChat:WelcomeText\": \"不该保存\", ", StringComparison.Ordinal);
            var refused = await PutAsync(json);
            Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
            var errors = refused.Body.GetProperty("errors");
            Assert.True(errors.TryGetProperty(key, out var messages), $"{body} → {refused.Body}");
            Assert.Contains(key, messages[0].GetString(), StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(before.ToString(), (await GetSettingsAsync()).ToString());
        Assert.Empty(await AuditAsync());
    }

    [Fact]
    public async Task The_settings_need_the_admin_key()
    {
        var (status, _) = await AdminApi.SendAsync(_apis[0].Client, HttpMethod.Get, "/api/admin/settings", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        (status, _) = await AdminApi.SendAsync(_apis[0].Client, HttpMethod.Put, "/api/admin/settings", new Dictionary<string, string> { ["X-Admin-Key"] = "wrong-key-wrong-key" }, """{ "values": { "WeChat:AckText": "x" } }""");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    /// <summary>An API replica on the harness's stores, with the admin key and the passive text reply.</summary>
    internal static Dictionary<string, string?> ApiEnvironment(string redis, string database) => new()
    {
        ["ConnectionStrings__redis"] = redis,
        ["ConnectionStrings__wechatdb"] = database,
        ["WeChat__Token"] = Token,
        ["WeChat__AppId"] = WorkerHarness.AppId,
        ["WeChat__AckMode"] = "text",
        ["Admin__ApiKey"] = AdminApi.Key,
        ["RateLimits__PerUserPerMinute"] = "1000",
        ["RateLimits__PerUserBurst"] = "100",
        ["Billing__Products__0__Id"] = "p30",
        ["Billing__Products__0__Name"] = "30 次提问",
        ["Billing__Products__0__PriceFen"] = "300",
        ["Billing__Products__0__Credits"] = "30",
        ["Billing__Products__0__ValidityDays"] = "30",
        ["Billing__Products__1__Id"] = "p200",
        ["Billing__Products__1__Name"] = "200 次提问",
        ["Billing__Products__1__PriceFen"] = "1500",
        ["Billing__Products__1__Credits"] = "200",
        ["Billing__Products__1__ValidityDays"] = "90",
    };

    private async Task<string> AskAsync(WeChatClient weChat, string openId, string content)
    {
        var msgId = Interlocked.Increment(ref _msgId);
        var (status, body) = await WeChatClient.SendAsync(weChat.PostPlainAsync(WeChatClient.Text(openId, msgId, content)));
        Assert.Equal(HttpStatusCode.OK, status);
        return WeChatClient.ReplyContent(body);
    }

    private async Task<JsonElement> GetSettingsAsync()
    {
        var (status, body) = await AdminApi.SendAsync(_apis[1].Client, HttpMethod.Get, "/api/admin/settings", Headers());
        Assert.True(status == HttpStatusCode.OK, _apis[1].Output);
        return body;
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> PutAsync(string json, string? operatorName = null) =>
        AdminApi.SendAsync(_apis[0].Client, HttpMethod.Put, "/api/admin/settings", Headers(operatorName), json);

    private async Task<List<(string Actor, string Target, (string? From, string? To) Detail)>> AuditAsync()
    {
        var (status, body) = await AdminApi.SendAsync(_apis[1].Client, HttpMethod.Get, "/api/admin/audit?action=settings.update&count=200", Headers());
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. body.GetProperty("items").EnumerateArray().Select(item =>
        {
            using var detail = JsonDocument.Parse(item.GetProperty("detail").GetString()!);
            return (item.GetProperty("actor").GetString()!, item.GetProperty("target").GetString()!,
                (detail.RootElement.GetProperty("from").GetString(), detail.RootElement.GetProperty("to").GetString()));
        })];
    }

    private static async Task<List<string>> ProductsAsync(ServiceProcess api)
    {
        var json = await api.Client.GetStringAsync(new Uri("/api/products", UriKind.Relative), TestContext.Current.CancellationToken);
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(p => string.Join(':',
            p.GetProperty("id").GetString(), p.GetProperty("name").GetString(),
            p.GetProperty("priceFen").GetInt32().ToString(CultureInfo.InvariantCulture),
            p.GetProperty("credits").GetInt32().ToString(CultureInfo.InvariantCulture),
            p.GetProperty("validityDays").GetInt32().ToString(CultureInfo.InvariantCulture)))];
    }

    private static Dictionary<string, string> Headers(string? operatorName = null)
    {
        var headers = new Dictionary<string, string> { ["X-Admin-Key"] = AdminApi.Key };
        if (operatorName is not null)
        {
            headers["X-Admin-Operator"] = operatorName;
        }

        return headers;
    }

    private Task WorkerLoadedAsync(long version) =>
        _h.WaitUntilAsync(() => _h.Workers[0].Output.Contains($"Loaded the account settings (version {version})", StringComparison.Ordinal), $"the worker's load of version {version}", Live);

    private static string[] Sorted(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal)];

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Live;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Not live within {Live.TotalSeconds:F0} s: {what}.");
            await Task.Delay(200);
        }
    }
}
