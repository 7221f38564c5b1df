using System.Net;
using System.Text;
using System.Text.Json;
using StackExchange.Redis;
using WeChatAi.Tests.Admin;
using WeChatAi.Tests.Fakes;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Core.WeChatApi;

namespace WeChatAi.Tests.Menu;

/// <summary>The menu's admin endpoints on the real API process, PostgreSQL and Redis, publishing to a fake of WeChat's API.</summary>
public sealed class MenuEndpointTests(PostgresServer postgres)
{
    private const string AdminKey = "menu-admin-key-0123456789";

    private const string ValidMenu = """
        {"button":[
          {"type":"click","name":"新对话","key":"new_conversation"},
          {"name":"更多","sub_button":[
            {"type":"click","name":"帮助","key":"help"},
            {"type":"view","name":"官网","url":"https://example.com/about"}]},
          {"type":"click","name":"关于","key":"about"}]}
        """;

    [Fact]
    public async Task The_default_menu_is_offered_until_one_is_saved_and_publishing_sends_the_saved_one_with_the_shared_token()
    {
        await using var app = await MenuApp.StartAsync(postgres);

        var initial = await app.SendAsync(HttpMethod.Get, "/api/admin/menu");
        Assert.Equal(HttpStatusCode.OK, initial.Status);
        Assert.False(initial.Body.GetProperty("stored").GetBoolean());
        Assert.Equal(["new_conversation", "help", "about"], initial.Body.GetProperty("menu").GetProperty("button").EnumerateArray().Select(b => b.GetProperty("key").GetString()));

        var saved = await app.SendAsync(HttpMethod.Put, "/api/admin/menu", ValidMenu);
        Assert.Equal(HttpStatusCode.OK, saved.Status);
        Assert.True(saved.Body.GetProperty("stored").GetBoolean());
        Assert.Equal(JsonValueKind.Null, saved.Body.GetProperty("publishedAt").ValueKind);

        var published = await app.SendAsync(HttpMethod.Post, "/api/admin/menu/publish");
        Assert.Equal(HttpStatusCode.OK, published.Status);
        Assert.NotEqual(JsonValueKind.Null, published.Body.GetProperty("publishedAt").ValueKind);

        var (json, token) = Assert.Single(app.WeChat.PublishedMenus);
        Assert.Equal("token-1", token);
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(ValidMenu).RootElement, JsonDocument.Parse(json).RootElement), json);
        Assert.Contains("新对话", json, StringComparison.Ordinal); // UTF-8 as is, not \u escapes

        var after = await app.SendAsync(HttpMethod.Get, "/api/admin/menu");
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(ValidMenu).RootElement, after.Body.GetProperty("menu")));
        Assert.NotEqual(JsonValueKind.Null, after.Body.GetProperty("publishedAt").ValueKind);
    }

    [Fact]
    public async Task A_rejected_token_is_renewed_once_and_WeChats_refusal_is_a_502_naming_the_errcode()
    {
        await using var app = await MenuApp.StartAsync(postgres);
        Assert.Equal(HttpStatusCode.OK, (await app.SendAsync(HttpMethod.Post, "/api/admin/menu/publish")).Status);

        app.WeChat.InvalidateTokens();
        var renewed = await app.SendAsync(HttpMethod.Post, "/api/admin/menu/publish");
        Assert.Equal(HttpStatusCode.OK, renewed.Status);
        Assert.Equal(["token-1", "token-1", "token-2"], app.WeChat.MenuCreateTokens);
        Assert.Equal([false, true], app.WeChat.StableTokenRequests);
        Assert.Equal(2, app.WeChat.PublishedMenus.Count);

    }

    [Fact]
    public async Task Without_the_AppSecret_the_API_publishes_with_the_token_the_worker_shares_and_says_when_there_is_none()
    {
        await using var app = await MenuApp.StartAsync(postgres, appSecret: null);
        var refused = await app.SendAsync(HttpMethod.Post, "/api/admin/menu/publish");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.Contains("WeChat:AppSecret", Detail(refused.Body), StringComparison.Ordinal);
        Assert.Empty(app.WeChat.StableTokenRequests);

        // What the worker does: fetch a token and share it in Redis.
        using var http = new HttpClient { BaseAddress = app.WeChat.BaseAddress };
        using var fetched = await http.PostAsync(new Uri("/cgi-bin/stable_token", UriKind.Relative),
            new StringContent("""{"grant_type":"client_credential","appid":"wxmenuapp","secret":"s","force_refresh":false}""", Encoding.UTF8, "application/json"),
            TestContext.Current.CancellationToken);
        var token = JsonDocument.Parse(await fetched.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("access_token").GetString()!;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(app.RedisConnectionString);
        await redis.GetDatabase().StringSetAsync(AccessTokenKeys.AccessToken("wxmenuapp"), token, TimeSpan.FromHours(1));

        Assert.Equal(HttpStatusCode.OK, (await app.SendAsync(HttpMethod.Post, "/api/admin/menu/publish")).Status);
        Assert.Equal(token, Assert.Single(app.WeChat.PublishedMenus).AccessToken);
    }

    private static readonly (string Menu, string Field)[] BrokenMenus =
    [
        ("""{"button":[]}""", "button"),
        ("""{"button":[{"type":"click","name":"a","key":"a"},{"type":"click","name":"b","key":"b"},{"type":"click","name":"c","key":"c"},{"type":"click","name":"d","key":"d"}]}""", "button"),
        ("""{"button":[{"type":"click","name":"一二三四五六","key":"k"}]}""", "button[0].name"),
        ("""{"button":[{"name":"组","sub_button":[{"type":"click","name":"1","key":"1"},{"type":"click","name":"2","key":"2"},{"type":"click","name":"3","key":"3"},{"type":"click","name":"4","key":"4"},{"type":"click","name":"5","key":"5"},{"type":"click","name":"6","key":"6"}]}]}""", "button[0].sub_button"),
        ("""{"button":[{"type":"click","name":"a"}]}""", "button[0].key"),
        ("{\"button\":[{\"type\":\"click\",\"name\":\"a\",\"key\":\"" + new string('k', 129) + "\"}]}", "button[0].key"),
        ("""{"button":[{"name":"组","sub_button":[{"type":"view","name":"网","url":"ftp://example.com"}]}]}""", "button[0].sub_button[0].url"),
        ("{\"button\":[{\"name\":\"组\",\"sub_button\":[{\"type\":\"click\",\"name\":\"" + new string('名', 21) + "\",\"key\":\"k\"}]}]}", "button[0].sub_button[0].name"),
        ("""{"button":[{"type":"scancode_push","name":"扫","key":"s"}]}""", "button[0].type"),
        ("""{"button":[{"type":"click","name":"a","key":"same"},{"type":"click","name":"b","key":"same"}]}""", "button[1].key"),
    ];

    [Fact]
    public async Task A_menu_that_breaks_WeChats_rules_is_refused_naming_the_field_and_nothing_is_saved()
    {
        await using var app = await MenuApp.StartAsync(postgres);

        foreach (var (menu, field) in BrokenMenus)
        {
            var (status, body) = await app.SendAsync(HttpMethod.Put, "/api/admin/menu", menu);

            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), $"{field}: {body}");
            Assert.Contains(field, Detail(body), StringComparison.Ordinal);
        }

        Assert.False((await app.SendAsync(HttpMethod.Get, "/api/admin/menu")).Body.GetProperty("stored").GetBoolean());
    }

    [Fact]
    public async Task Malformed_json_and_unknown_fields_are_refused_with_the_place()
    {
        await using var app = await MenuApp.StartAsync(postgres);

        var malformed = await app.SendAsync(HttpMethod.Put, "/api/admin/menu", """{"button":[""");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.Status);

        var misspelt = await app.SendAsync(HttpMethod.Put, "/api/admin/menu", """{"button":[{"name":"组","sub_buttons":[]}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, misspelt.Status);
        Assert.Contains("sub_buttons", Detail(misspelt.Body), StringComparison.Ordinal);

        var unauthorized = await app.SendAsync(HttpMethod.Put, "/api/admin/menu", ValidMenu, key: "wrong-key-wrong-key");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.Status);
    }

    private static string Detail(JsonElement body) => body.GetProperty("detail").GetString()!;

    private sealed class MenuApp : IAsyncDisposable
    {
        private readonly RedisServer _redis;
        private readonly ServiceProcess _api;

        private MenuApp(RedisServer redis, FakeWeChatServer weChat, ServiceProcess api)
        {
            _redis = redis;
            WeChat = weChat;
            _api = api;
        }

        public FakeWeChatServer WeChat { get; }

        public string RedisConnectionString => _redis.ConnectionString;

        public static async Task<MenuApp> StartAsync(PostgresServer postgres, string? appSecret = "menu-secret")
        {
            var redis = await RedisServer.StartAsync();
            var weChat = await FakeWeChatServer.StartAsync();
            var api = await ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>
            {
                ["ConnectionStrings__redis"] = redis.ConnectionString,
                ["ConnectionStrings__wechatdb"] = await postgres.CreateMigratedDatabaseAsync(),
                ["Admin__ApiKey"] = AdminKey,
                ["WeChat__AppId"] = "wxmenuapp",
                ["WeChat__AppSecret"] = appSecret,
                ["WeChat__ApiBaseUrl"] = weChat.BaseAddress.ToString(),
            });
            return new MenuApp(redis, weChat, api);
        }

        public Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string? json = null, string key = AdminKey) =>
            AdminApi.SendAsync(_api.Client, method, path, new Dictionary<string, string> { ["X-Admin-Key"] = key }, json);

        public async ValueTask DisposeAsync()
        {
            await _api.DisposeAsync();
            await WeChat.DisposeAsync();
            await _redis.DisposeAsync();
        }
    }
}
