using System.Net.ServerSentEvents;
using Microsoft.AspNetCore.Mvc;
using WeChatAi.Core.WeChat;
using WeChatAi.Simulator.Llm;
using WeChatAi.Simulator.WeChatApi;
using WeChatAi.Simulator.WeChatServer;

namespace WeChatAi.Simulator.Chat;

/// <summary>The chat page's API: users, following, messages, the live timeline, bursts and the fake LLM's faults.</summary>
public static class ChatEndpoints
{
    public const int MaxMessageLength = 2000;

    public static IEndpointRouteBuilder MapChat(this IEndpointRouteBuilder app)
    {
        var sim = app.MapGroup("/sim");
        sim.MapGet("/users", (SimulatedUsers users) => users.All);
        sim.MapPost("/users", (CreateUser request, SimulatedUsers users) =>
        {
            var user = users.Create(request.Name);
            return Results.Created($"/sim/users/{user.OpenId}/timeline", user);
        });
        sim.MapGet("/users/{openId}/timeline", (string openId, Timeline timeline) => timeline.For(openId));
        sim.MapPost("/users/{openId}/follow", (string openId, bool? safeMode, SimulatedUsers users, WebhookSender sender, CancellationToken ct) =>
            SendEventAsync(openId, "subscribe", following: true, safeMode ?? true, users, sender, ct));
        sim.MapPost("/users/{openId}/unfollow", (string openId, bool? safeMode, SimulatedUsers users, WebhookSender sender, CancellationToken ct) =>
            SendEventAsync(openId, "unsubscribe", following: false, safeMode ?? true, users, sender, ct));
        sim.MapPost("/users/{openId}/messages", SendMessageAsync);
        sim.MapPost("/users/{openId}/click", ClickAsync);
        sim.MapGet("/menu", (PublishedMenu menu) => Results.Json(new { button = menu.Current?.Button ?? [] }));
        sim.MapGet("/stream", (Timeline timeline, CancellationToken ct) =>
            TypedResults.ServerSentEvents(timeline.WatchAsync(ct).Select(entry => new SseItem<TimelineEntry>(entry, "entry"))));
        sim.MapPost("/burst", (BurstRequest request, BurstRunner runner) =>
            runner.TryStart(request) is { } error ? Results.BadRequest(new { error }) : Results.Accepted("/sim/burst", runner.Status()));
        sim.MapGet("/burst", (BurstRunner runner) => runner.Status());
        sim.MapGet("/status", Status);
        sim.MapPost("/llm", (LlmFaultOptions faults, [FromKeyedServices(LlmEndpoints.CurrentFaults)] LlmFaultOptions current) =>
        {
            current.LatencyMs = Math.Clamp(faults.LatencyMs, 0, 120_000);
            current.RateLimitedRate = Math.Clamp(faults.RateLimitedRate, 0, 1);
            current.UnavailableRate = Math.Clamp(faults.UnavailableRate, 0, 1);
            current.KeepAliveRate = Math.Clamp(faults.KeepAliveRate, 0, 1);
            return Results.Ok(current);
        });
        sim.MapPost("/token/invalidate", (AccessTokens tokens) =>
        {
            tokens.Invalidate();
            return Results.NoContent();
        });
        return app;
    }

    private static async Task<IResult> SendMessageAsync(
        string openId, SendMessage request, SimulatedUsers users, WebhookSender sender, Timeline timeline, CancellationToken ct)
    {
        if (users.Find(openId) is null)
        {
            return Results.NotFound(new { error = $"no simulated user '{openId}'" });
        }

        if (string.IsNullOrWhiteSpace(request.Text) || request.Text.Length > MaxMessageLength)
        {
            return Results.BadRequest(new { error = $"text must be 1..{MaxMessageLength} characters" });
        }

        timeline.Add(openId, TimelineKinds.User, request.Text);
        return Results.Ok(await sender.SendTextAsync(openId, request.Text, request.SafeMode ?? true, showInTimeline: true, ct));
    }

    /// <summary>The user taps a CLICK button of the published menu: WeChat sends the CLICK event with its key.</summary>
    private static async Task<IResult> ClickAsync(
        string openId, MenuClick request, PublishedMenu menu, SimulatedUsers users, WebhookSender sender, Timeline timeline, CancellationToken ct)
    {
        if (users.Find(openId) is null)
        {
            return Results.NotFound(new { error = $"no simulated user '{openId}'" });
        }

        var button = (menu.Current?.Button ?? []).SelectMany(b => b.SubButton ?? [b]).FirstOrDefault(b => b.Type == WeChatMenu.Click && b.Key == request.Key);
        if (button is null)
        {
            return Results.BadRequest(new { error = $"the published menu has no click button with key '{request.Key}'" });
        }

        timeline.Add(openId, TimelineKinds.Event, $"点击菜单「{button.Name}」(CLICK {button.Key})");
        return Results.Ok(await sender.SendEventAsync(openId, "CLICK", request.SafeMode ?? true, ct, button.Key));
    }

    private static async Task<IResult> SendEventAsync(
        string openId, string eventName, bool following, bool safeMode, SimulatedUsers users, WebhookSender sender, CancellationToken ct)
    {
        if (users.Find(openId) is null)
        {
            return Results.NotFound(new { error = $"no simulated user '{openId}'" });
        }

        users.SetFollowing(openId, following);
        return Results.Ok(await sender.SendEventAsync(openId, eventName, safeMode, ct));
    }

    private static object Status(
        AccessTokens tokens, PushCounter pushes, LlmStats llm, [FromKeyedServices(LlmEndpoints.CurrentFaults)] LlmFaultOptions faults, WeChatCryptoHolder crypto) => new
    {
        safeModeAvailable = crypto.Crypto is not null,
        tokens = new { issued = tokens.Issued, forcedRefreshes = tokens.ForcedRefreshes, classicTokenCalls = tokens.ClassicTokenCalls },
        pushes = pushes.Total,
        llm = new
        {
            calls = llm.Calls.Value,
            answered = llm.Answered.Value,
            rateLimited = llm.RateLimited.Value,
            unavailable = llm.Unavailable.Value,
            keepAlive = llm.KeepAlive.Value,
            faults,
        },
    };

    public sealed record CreateUser(string? Name);

    public sealed record SendMessage(string Text, bool? SafeMode);

    public sealed record MenuClick(string Key, bool? SafeMode);
}
