using System.Net.ServerSentEvents;
using Microsoft.AspNetCore.Mvc;
using SkiaSharp;
using WeChatAi.Core.WeChat;
using WeChatAi.Simulator.Llm;
using WeChatAi.Simulator.WeChatApi;
using WeChatAi.Simulator.WeChatServer;

namespace WeChatAi.Simulator.Chat;

/// <summary>The chat page's API: users, following, messages (text, image, voice), the live timeline, bursts and the fake LLM's faults.</summary>
public static class ChatEndpoints
{
    public const int MaxMessageLength = 2000;

    /// <summary>WeChat takes images up to 10 MB from users.</summary>
    public const int MaxUploadBytes = 10 * 1024 * 1024;

    /// <summary>The chat page's own polling (burst, status, menu, the pay panel's orders): not traced.</summary>
    public static bool IsPagePoll(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && request.Path.Value is "/sim/burst" or "/sim/status" or "/sim/menu" or "/sim/pay/orders";

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
        sim.MapPost("/users/{openId}/follow", (string openId, bool? safeMode, SimulatedUsers users, WebhookSender sender, Timeline timeline, CancellationToken ct) =>
            SendEventAsync(openId, "subscribe", following: true, safeMode ?? true, users, sender, timeline, ct));
        sim.MapPost("/users/{openId}/unfollow", (string openId, bool? safeMode, SimulatedUsers users, WebhookSender sender, Timeline timeline, CancellationToken ct) =>
            SendEventAsync(openId, "unsubscribe", following: false, safeMode ?? true, users, sender, timeline, ct));
        sim.MapPost("/users/{openId}/messages", SendMessageAsync);
        sim.MapPost("/users/{openId}/click", ClickAsync);
        sim.MapGet("/menu", (PublishedMenu menu) => Results.Json(new { button = menu.Current?.Button ?? [] }));
        sim.MapPost("/users/{openId}/image", SendImageAsync);
        sim.MapPost("/users/{openId}/voice", SendVoiceAsync);
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

    /// <summary>An image: drawn here (colour, size, PNG or JPEG) or uploaded by the page (base64), then sent with its PicUrl and MediaId.</summary>
    private static async Task<IResult> SendImageAsync(
        string openId, SendImage request, HttpRequest http, SimulatedUsers users, MediaStore media, WebhookSender sender, Timeline timeline, CancellationToken ct)
    {
        if (users.Find(openId) is null)
        {
            return Results.NotFound(new { error = $"no simulated user '{openId}'" });
        }

        StoredMedia image;
        if (!string.IsNullOrEmpty(request.Base64))
        {
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(request.Base64);
            }
            catch (FormatException)
            {
                return Results.BadRequest(new { error = "base64 is not valid base64" });
            }

            if (bytes.Length is 0 or > MaxUploadBytes)
            {
                return Results.BadRequest(new { error = $"an uploaded image must be 1..{MaxUploadBytes} bytes (WeChat's limit)" });
            }

            image = new StoredMedia(bytes, request.ContentType is { Length: > 0 } type && type.StartsWith("image/", StringComparison.Ordinal) ? type : "image/jpeg", "upload");
        }
        else
        {
            if (!SKColor.TryParse(request.Color ?? "#e53935", out var color))
            {
                return Results.BadRequest(new { error = "color must be like #rrggbb" });
            }

            if (request.Width is < 1 or > MediaStore.MaxImageSide || request.Height is < 1 or > MediaStore.MaxImageSide)
            {
                return Results.BadRequest(new { error = $"width and height must be 1..{MediaStore.MaxImageSide}" });
            }

            image = MediaStore.Draw(color, request.Width ?? 320, request.Height ?? 240, request.Format == "jpeg");
        }

        var mediaId = media.Add(image);
        var picUrl = new Uri($"{http.Scheme}://{http.Host}/mmbiz/{mediaId}");
        timeline.Add(openId, TimelineKinds.User, $"[图片] {image.ContentType}，{image.Bytes.Length} 字节", detail: picUrl.ToString());
        return Results.Ok(await sender.SendImageAsync(openId, picUrl, mediaId, request.SafeMode ?? true, ct));
    }

    /// <summary>A voice message carrying the real AMR tone, with WeChat's recognition text or (the default) without.</summary>
    private static async Task<IResult> SendVoiceAsync(
        string openId, SendVoice request, SimulatedUsers users, MediaStore media, WebhookSender sender, Timeline timeline, CancellationToken ct)
    {
        if (users.Find(openId) is null)
        {
            return Results.NotFound(new { error = $"no simulated user '{openId}'" });
        }

        if (request.Recognition is { Length: > MaxMessageLength })
        {
            return Results.BadRequest(new { error = $"recognition must be at most {MaxMessageLength} characters" });
        }

        var mediaId = media.Add(media.Voice());
        var recognition = string.IsNullOrWhiteSpace(request.Recognition) ? null : request.Recognition;
        timeline.Add(openId, TimelineKinds.User, recognition is null ? "[语音] 1.5 秒（没有识别结果）" : $"[语音] 识别结果：{recognition}");
        return Results.Ok(await sender.SendVoiceAsync(openId, mediaId, recognition, request.SafeMode ?? true, ct));
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
        string openId, string eventName, bool following, bool safeMode, SimulatedUsers users, WebhookSender sender, Timeline timeline, CancellationToken ct)
    {
        if (users.Find(openId) is null)
        {
            return Results.NotFound(new { error = $"no simulated user '{openId}'" });
        }

        users.SetFollowing(openId, following);
        timeline.Add(openId, TimelineKinds.Event, following ? "关注公众号 (subscribe)" : "取消关注 (unsubscribe)");
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
    /// <param name="Base64">An uploaded image; when empty, one is drawn from the other fields.</param>
    public sealed record SendImage(string? Color, int? Width, int? Height, string? Format, string? Base64, string? ContentType, bool? SafeMode);

    public sealed record SendVoice(string? Recognition, bool? SafeMode);
}
