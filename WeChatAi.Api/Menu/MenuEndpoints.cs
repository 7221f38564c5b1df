using Microsoft.AspNetCore.Mvc;
using WeChatAi.Api.Menu;

// In the builder's namespace, like the service defaults' extensions: Program.cs maps it with one line.
namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// <c>{admin}/menu</c>: <c>GET</c> (the saved menu, or the default), <c>PUT</c> (validate and save, in WeChat's JSON),
/// <c>POST /publish</c> (send it to WeChat) (<see cref="MenuApi"/>).
/// </summary>
public static class MenuEndpoints
{
    /// <summary>
    /// Above the API's 64 KB: 15 sub-buttons with 1,024-byte URLs, which the console's JSON may escape up to 6 bytes a
    /// character (<c>&amp;</c> → <c>\u0026</c>), come to 93 KB at most.
    /// </summary>
    public const int MaxPutBytes = 128 * 1024;

    public static RouteGroupBuilder MapMenuEndpoints(this RouteGroupBuilder admin)
    {
        var menu = admin.MapGroup("/menu").WithStoreOutage("The menu store (PostgreSQL) or the token store (Redis) is unavailable.");
        menu.MapGet("/", MenuApi.GetAsync).WithName("GetMenu");
        menu.MapPut("/", MenuApi.SaveAsync).Accepts<WeChatAi.Core.WeChat.WeChatMenu>("application/json").WithMetadata(new RequestSizeLimitAttribute(MaxPutBytes)).WithName("SaveMenu");
        menu.MapPost("/publish", MenuApi.PublishAsync).WithName("PublishMenu");
        return admin;
    }
}
