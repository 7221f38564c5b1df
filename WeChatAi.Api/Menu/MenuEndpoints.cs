using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using WeChatAi.Api.Admin;
using WeChatAi.Api.Menu;
using WeChatAi.Core.Data;
using WeChatAi.Core.WeChat;
using WeChatAi.Core.WeChatApi;

// In the builder's namespace, like the service defaults' extensions: Program.cs maps it with one line.
namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// <c>{group}/admin/menu</c> behind <c>Admin:ApiKey</c>: <c>GET</c> (the saved menu, or the default),
/// <c>PUT</c> (validate and save, in WeChat's JSON), <c>POST /publish</c> (send it to WeChat).
/// </summary>
public static class MenuEndpoints
{
    private const string Unavailable = "The menu store (PostgreSQL) or the token store (Redis) is unavailable.";

    /// <summary>
    /// Above the API's 64 KB: 15 sub-buttons with 1,024-byte URLs, which the console's JSON may escape up to 6 bytes a
    /// character (<c>&amp;</c> → <c>\u0026</c>), come to 93 KB at most.
    /// </summary>
    public const int MaxPutBytes = 128 * 1024;

    public static IEndpointRouteBuilder MapMenuEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var menu = endpoints.MapAdminGroup("/menu");

        menu.MapGet("/", (MenuStore store, CancellationToken ct) => AdminEndpoints.StoresAsync(Unavailable, async () =>
            View(await store.GetAsync(ct)))).WithName("GetMenu");

        menu.MapPut("/", (HttpContext http, MenuStore store, AdminAudit audit, WeChatDbContext db, CancellationToken ct) => AdminEndpoints.StoresAsync(Unavailable, async () =>
        {
            WeChatMenu? body;
            try
            {
                body = await WeChatMenu.ParseAsync(http.Request.Body, ct);
            }
            catch (JsonException ex)
            {
                return Results.Problem($"The body is not a menu in WeChat's JSON ({{\"button\":[…]}}): {ex.Message}", statusCode: StatusCodes.Status400BadRequest);
            }

            if (body is null)
            {
                return Results.Problem("The body must be a JSON object {\"button\":[…]}.", statusCode: StatusCodes.Status400BadRequest);
            }

            var problems = body.Problems();
            if (problems.Count > 0)
            {
                return Results.ValidationProblem(problems, string.Join(" ", problems.Select(p => $"{p.Key}: {p.Value[0]}")), title: "The menu breaks WeChat's rules.");
            }

            return View(await db.InTransactionAsync(async () =>
            {
                var saved = await store.SaveAsync(body, ct);
                audit.Add(db, http, "menu.save", "menu", Detail(body));
                await db.SaveChangesAsync(ct);
                return saved;
            }, ct));
        })).WithMetadata(new RequestSizeLimitAttribute(MaxPutBytes)).WithName("SaveMenu");

        menu.MapPost("/publish", (HttpContext http, MenuStore store, MenuPublisher publisher, AdminAudit audit, WeChatDbContext db, IOptions<WeChatOptions> options, CancellationToken ct) => AdminEndpoints.StoresAsync(Unavailable, async () =>
        {
            var settings = options.Value;
            if (string.IsNullOrEmpty(settings.AppId))
            {
                return Results.Problem("WeChat:AppId must be set on the API to publish the menu.", statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            var saved = await store.GetAsync(ct);
            WeChatApiResult result;
            try
            {
                result = await publisher.PublishAsync(saved.Menu, ct);
            }
            catch (Exception ex) when (ex is HttpRequestException or WeChatApiException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // Without the AppSecret the API can only use the token the worker shares; none is there (or WeChat refused it).
                return settings.IsApiConfigured
                    ? Results.Problem($"WeChat's API could not be reached or gave no access token: {ex.Message}", statusCode: StatusCodes.Status502BadGateway)
                    : Results.Problem(
                        "No usable access token: the API has no WeChat:AppSecret, so it publishes with the token the worker shares in Redis, and there is none " +
                        "(start the worker, or give the API WeChat:AppSecret).",
                        statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            if (result.ErrCode != WeChatErrorCodes.Ok)
            {
                return Results.Problem($"WeChat refused the menu: errcode {result.ErrCode}, {result.ErrMsg}.", statusCode: StatusCodes.Status502BadGateway);
            }

            var publishedAt = await db.InTransactionAsync(async () =>
            {
                var at = await store.MarkPublishedAsync(saved.Menu, ct);
                audit.Add(db, http, "menu.publish", "menu", Detail(saved.Menu));
                await db.SaveChangesAsync(ct);
                return at;
            }, ct);
            return View(saved with { Stored = true, PublishedAt = publishedAt, UpdatedAt = saved.UpdatedAt ?? publishedAt });
        })).WithName("PublishMenu");
        return endpoints;
    }

    // The top-level buttons' names: the whole menu may be larger than an audit row holds.
    private static Dictionary<string, string?> Detail(WeChatMenu menu) =>
        new() { ["buttons"] = string.Join(" | ", (menu.Button ?? []).Select(b => b.Name)) };

    // The menu goes out as WeChat's own JSON, inside the view.
    private static IResult View(SavedMenu saved) => Results.Json(
        new MenuView(JsonDocument.Parse(saved.Menu.ToJson()).RootElement, saved.Stored, saved.UpdatedAt, saved.PublishedAt),
        MenuJson.Default.MenuView);
}

/// <param name="Stored">False while nothing was saved: <c>menu</c> is then the default (新对话, 帮助, 关于).</param>
internal sealed record MenuView(JsonElement Menu, bool Stored, DateTimeOffset? UpdatedAt, DateTimeOffset? PublishedAt);

[JsonSerializable(typeof(MenuView))]
[JsonSerializable(typeof(WeChatApiResult))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class MenuJson : JsonSerializerContext;
