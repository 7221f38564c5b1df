using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using WeChatAi.Api.Admin;
using WeChatAi.Core.Data;
using WeChatAi.Core.WeChat;
using WeChatAi.Core.WeChatApi;

namespace WeChatAi.Api.Menu;

/// <summary>The handlers of <c>/api/admin/menu</c>: the saved menu, its save (checked against WeChat's rules) and its publication.</summary>
internal static class MenuApi
{
    public static async Task<Ok<MenuView>> GetAsync(MenuStore store, CancellationToken ct) => View(await store.GetAsync(ct));

    public static async Task<Results<Ok<MenuView>, ProblemHttpResult, ValidationProblem>> SaveAsync(
        HttpContext http, MenuStore store, AdminAudit audit, WeChatDbContext db, CancellationToken ct)
    {
        WeChatMenu? body;
        try
        {
            body = await WeChatMenu.ParseAsync(http.Request.Body, ct);
        }
        catch (JsonException ex)
        {
            return AdminRequests.BadRequest($"The body is not a menu in WeChat's JSON ({{\"button\":[…]}}): {ex.Message}");
        }

        if (body is null)
        {
            return AdminRequests.BadRequest("The body must be a JSON object {\"button\":[…]}.");
        }

        var problems = body.Problems();
        if (problems.Count > 0)
        {
            return TypedResults.ValidationProblem(problems, string.Join(" ", problems.Select(p => $"{p.Key}: {p.Value[0]}")), title: "The menu breaks WeChat's rules.");
        }

        return View(await db.InTransactionAsync(async () =>
        {
            var saved = await store.SaveAsync(body, ct);
            audit.Add(db, http, "menu.save", "menu", Detail(body));
            await db.SaveChangesAsync(ct);
            return saved;
        }, ct));
    }

    public static async Task<Results<Ok<MenuView>, ProblemHttpResult>> PublishAsync(
        HttpContext http, MenuStore store, MenuPublisher publisher, AdminAudit audit, WeChatDbContext db, IOptions<WeChatOptions> options, CancellationToken ct)
    {
        var settings = options.Value;
        if (string.IsNullOrEmpty(settings.AppId))
        {
            return TypedResults.Problem("WeChat:AppId must be set on the API to publish the menu.", statusCode: StatusCodes.Status503ServiceUnavailable);
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
                ? TypedResults.Problem($"WeChat's API could not be reached or gave no access token: {ex.Message}", statusCode: StatusCodes.Status502BadGateway)
                : TypedResults.Problem(
                    "No usable access token: the API has no WeChat:AppSecret, so it publishes with the token the worker shares in Redis, and there is none " +
                    "(start the worker, or give the API WeChat:AppSecret).",
                    statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        if (result.ErrCode != WeChatErrorCodes.Ok)
        {
            return TypedResults.Problem($"WeChat refused the menu: errcode {result.ErrCode}, {result.ErrMsg}.", statusCode: StatusCodes.Status502BadGateway);
        }

        var publishedAt = await db.InTransactionAsync(async () =>
        {
            var at = await store.MarkPublishedAsync(saved.Menu, ct);
            audit.Add(db, http, "menu.publish", "menu", Detail(saved.Menu));
            await db.SaveChangesAsync(ct);
            return at;
        }, ct);
        return View(saved with { Stored = true, PublishedAt = publishedAt, UpdatedAt = saved.UpdatedAt ?? publishedAt });
    }

    // The top-level buttons' names: the whole menu may be larger than an audit row holds.
    private static Dictionary<string, string?> Detail(WeChatMenu menu) =>
        new() { ["buttons"] = string.Join(" | ", (menu.Button ?? []).Select(b => b.Name)) };

    // The menu goes out as WeChat's own JSON, inside the view.
    private static Ok<MenuView> View(SavedMenu saved) =>
        TypedResults.Ok(new MenuView(JsonDocument.Parse(saved.Menu.ToJson()).RootElement, saved.Stored, saved.UpdatedAt, saved.PublishedAt));
}

/// <param name="Stored">False while nothing was saved: <c>menu</c> is then the default (新对话, 帮助, 关于).</param>
internal sealed record MenuView(JsonElement Menu, bool Stored, DateTimeOffset? UpdatedAt, DateTimeOffset? PublishedAt);
