using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using WeChatAi.Simulator.Chat;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Simulator.WeChatApi;

/// <summary>The part of <c>api.weixin.qq.com</c> the worker and the API use, with WeChat's errcodes and limits.</summary>
public static partial class WeChatApiEndpoints
{
    public const int MaxContentBytes = 2048;

    public static IEndpointRouteBuilder MapWeChatApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/cgi-bin");
        api.MapPost("/stable_token", StableToken);
        api.MapGet("/token", ClassicToken);
        api.MapPost("/message/custom/send", SendCustomMessage);
        api.MapPost("/message/custom/typing", Typing);
        api.MapPost("/menu/create", CreateMenuAsync);
        api.MapGet("/get_current_selfmenu_info", CurrentMenu);
        api.MapGet("/media/get", GetMedia);
        api.MapFreePublish();

        // The image host behind a message's PicUrl (mmbiz.qpic.cn for WeChat).
        app.MapGet("/mmbiz/{mediaId}", (string mediaId, MediaStore media) =>
            media.Find(mediaId) is { ContentType: var type } image && type.StartsWith("image/", StringComparison.Ordinal)
                ? Results.File(image.Bytes, image.ContentType)
                : Results.NotFound());
        return app;
    }

    private static IResult StableToken(StableTokenRequest request, AccessTokens tokens, IOptions<SimulatorOptions> options)
    {
        if (request.GrantType != "client_credential")
        {
            return Error(WeChatErrorCodes.InvalidParameter, "invalid grant_type");
        }

        if (request.AppId != options.Value.AppId)
        {
            return Error(WeChatErrorCodes.InvalidAppId, "invalid appid");
        }

        if (request.Secret != options.Value.AppSecret)
        {
            return Error(WeChatErrorCodes.InvalidAppSecret, "invalid appsecret");
        }

        var (token, expiresIn) = tokens.GetStable(request.ForceRefresh);
        return Results.Json(new { access_token = token, expires_in = expiresIn });
    }

    /// <summary>Answers the classic token API with an error: calling it would invalidate every other instance's token.</summary>
    private static IResult ClassicToken(AccessTokens tokens, ILoggerFactory loggers)
    {
        tokens.RecordClassicTokenCall();
        LogClassicToken(loggers.CreateLogger(typeof(WeChatApiEndpoints)));
        return Error(WeChatErrorCodes.NoPermission, "api forbidden in the simulator: use /cgi-bin/stable_token");
    }

    private static async Task<IResult> SendCustomMessage(
        HttpRequest http, string? access_token, AccessTokens tokens, CustomerServiceBudget budget, TypingState typing, Timeline timeline, PushCounter pushes)
    {
        if (!tokens.IsValid(access_token))
        {
            return Error(WeChatErrorCodes.InvalidCredential, "invalid credential, access_token is invalid or not latest");
        }

        CustomMessage? message;
        try
        {
            message = await http.ReadFromJsonAsync<CustomMessage>(http.HttpContext.RequestAborted);
        }
        catch (JsonException)
        {
            return Error(WeChatErrorCodes.InvalidParameter, "data format error");
        }

        if (message is null || string.IsNullOrEmpty(message.ToUser) || message.MsgType != "text" || message.Text?.Content is null)
        {
            return Error(WeChatErrorCodes.InvalidParameter, "touser, msgtype text and text.content are required");
        }

        if (Encoding.UTF8.GetByteCount(message.Text.Content) > MaxContentBytes)
        {
            return Error(WeChatErrorCodes.ContentTooLong, $"content size out of limit ({MaxContentBytes} bytes)");
        }

        var spent = budget.TrySpend(message.ToUser);
        if (spent != WeChatErrorCodes.Ok)
        {
            timeline.Add(message.ToUser, TimelineKinds.Error, $"custom/send refused: {spent}");
            return Error(spent, spent == WeChatErrorCodes.TooManyMessages ? "response count limit" : "response out of time limit");
        }

        pushes.Record(message.ToUser);
        typing.End(message.ToUser);
        timeline.Add(message.ToUser, TimelineKinds.Push, message.Text.Content);
        return Error(WeChatErrorCodes.Ok, "ok");
    }

    /// <summary>Temporary media: the file itself, or an errcode as JSON (what WeChat does).</summary>
    private static IResult GetMedia(string? access_token, string? media_id, AccessTokens tokens, MediaStore media)
    {
        if (!tokens.IsValid(access_token))
        {
            return Error(WeChatErrorCodes.InvalidCredential, "invalid credential, access_token is invalid or not latest");
        }

        return media.Find(media_id) is { } file
            ? Results.File(file.Bytes, file.ContentType, file.FileName)
            : Error(InvalidMediaId, "invalid media_id");
    }

    private const int InvalidMediaId = 40007;

    private static IResult Typing(TypingRequest request, string? access_token, AccessTokens tokens, TypingState typing, Timeline timeline)
    {
        if (!tokens.IsValid(access_token))
        {
            return Error(WeChatErrorCodes.InvalidCredential, "invalid credential, access_token is invalid or not latest");
        }

        if (request.Command == "CancelTyping")
        {
            typing.End(request.ToUser);
            timeline.Add(request.ToUser, TimelineKinds.Typing, string.Empty);
            return Error(WeChatErrorCodes.Ok, "ok");
        }

        if (request.Command != "Typing")
        {
            return Error(WeChatErrorCodes.InvalidParameter, "command must be Typing or CancelTyping");
        }

        var refused = typing.TryStart(request.ToUser);
        if (refused != WeChatErrorCodes.Ok)
        {
            timeline.Add(request.ToUser, TimelineKinds.Error, $"custom/typing refused: {refused}");
            return Error(refused, refused == WeChatErrorCodes.TypingTooLate ? "user has not sent a message in the last 30 s" : "typing is already shown");
        }

        timeline.Add(request.ToUser, TimelineKinds.Typing, "对方正在输入…");
        return Error(WeChatErrorCodes.Ok, "ok");
    }

    /// <summary>Validates the menu with WeChat's rules and errcodes and publishes it to the chat page.</summary>
    private static async Task<IResult> CreateMenuAsync(HttpRequest http, string? access_token, AccessTokens tokens, PublishedMenu published)
    {
        if (!tokens.IsValid(access_token))
        {
            return Error(WeChatErrorCodes.InvalidCredential, "invalid credential, access_token is invalid or not latest");
        }

        WeChatMenu? menu;
        try
        {
            menu = await WeChatMenu.ParseAsync(http.Body, http.HttpContext.RequestAborted);
        }
        catch (JsonException)
        {
            return Error(DataFormatError, "data format error");
        }

        if (menu is null)
        {
            return Error(DataFormatError, "data format error");
        }

        if (menu.Problems().FirstOrDefault() is { Key: { } field, Value: var messages })
        {
            return Error(MenuErrorCode(field), $"{field}: {messages[0]}");
        }

        published.Publish(menu);
        return Error(WeChatErrorCodes.Ok, "ok");
    }

    /// <summary>WeChat's shape: <c>is_menu_open</c>, and sub-buttons under <c>sub_button.list</c>.</summary>
    private static IResult CurrentMenu(string? access_token, AccessTokens tokens, PublishedMenu published)
    {
        if (!tokens.IsValid(access_token))
        {
            return Error(WeChatErrorCodes.InvalidCredential, "invalid credential, access_token is invalid or not latest");
        }

        var buttons = published.Current?.Button ?? [];
        return Results.Json(new
        {
            is_menu_open = published.Current is null ? 0 : 1,
            selfmenu_info = new
            {
                button = buttons.Select(b => b.SubButton is { } subs
                    ? (object)new { name = b.Name, sub_button = new { list = subs.Select(Action) } }
                    : Action(b)),
            },
        });

        static object Action(WeChatMenuButton button) =>
            button.Type == WeChatMenu.View ? new { type = button.Type, name = button.Name, url = button.Url } : new { type = button.Type, name = button.Name, key = button.Key };
    }

    // WeChat's menu errcodes, by the rule broken.
    private const int DataFormatError = 47001;

    private static int MenuErrorCode(string field) => field switch
    {
        "button" => 40016,
        _ when field.EndsWith(".sub_button", StringComparison.Ordinal) => 40023,
        _ when field.EndsWith(".type", StringComparison.Ordinal) => 40017,
        _ when field.EndsWith(".name", StringComparison.Ordinal) => field.Contains(".sub_button[", StringComparison.Ordinal) ? 40025 : 40018,
        _ when field.EndsWith(".key", StringComparison.Ordinal) => field.Contains(".sub_button[", StringComparison.Ordinal) ? 40026 : 40019,
        _ when field.EndsWith(".url", StringComparison.Ordinal) => field.Contains(".sub_button[", StringComparison.Ordinal) ? 40027 : 40020,
        _ => DataFormatError,
    };

    private static IResult Error(int code, string message) => Results.Json(new { errcode = code, errmsg = message });

    [LoggerMessage(Level = LogLevel.Warning, Message = "/cgi-bin/token was called: it invalidates the token of every other instance; use /cgi-bin/stable_token")]
    private static partial void LogClassicToken(ILogger logger);

    private sealed record StableTokenRequest(
        [property: JsonPropertyName("grant_type")] string? GrantType,
        [property: JsonPropertyName("appid")] string? AppId,
        [property: JsonPropertyName("secret")] string? Secret,
        [property: JsonPropertyName("force_refresh")] bool ForceRefresh);

    private sealed record CustomMessage(
        [property: JsonPropertyName("touser")] string? ToUser,
        [property: JsonPropertyName("msgtype")] string? MsgType,
        [property: JsonPropertyName("text")] CustomText? Text);

    private sealed record CustomText([property: JsonPropertyName("content")] string? Content);

    private sealed record TypingRequest(
        [property: JsonPropertyName("touser")] string ToUser,
        [property: JsonPropertyName("command")] string Command);
}
