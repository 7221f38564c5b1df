using Microsoft.AspNetCore.Mvc;
using WeChatAi.Api.Settings;

// In the builder's namespace, like the service defaults' extensions: Program.cs maps it with one line.
namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// <c>{admin}/settings</c>: <c>GET</c> the editable settings as they are in force, and <c>PUT</c> changes to them, checked
/// with the rules the services start with, audited per setting and live in every replica and the worker within about a
/// second (docs/settings.md, <see cref="SettingsApi"/>).
/// </summary>
public static class SettingsEndpoints
{
    /// <summary>
    /// Above the API's 64 KB: the console's JSON escapes CJK text as \uXXXX (6 bytes a character), so the seven
    /// 600-character texts at their longest are about 30 KB, and each product about 0.9 KB more: room for 100 products.
    /// </summary>
    public const int MaxPutBytes = 128 * 1024;

    public static RouteGroupBuilder MapSettingsEndpoints(this RouteGroupBuilder admin)
    {
        var settings = admin.MapGroup("/settings").WithStoreOutage(SettingsApi.Unavailable);
        settings.MapGet("/", SettingsApi.GetAsync).WithName("GetSettings");
        settings.MapPut("/", SettingsApi.UpdateAsync).Accepts<SettingsUpdate>("application/json").WithMetadata(new RequestSizeLimitAttribute(MaxPutBytes)).WithName("UpdateSettings");
        return admin;
    }
}
