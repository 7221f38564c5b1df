using Microsoft.Extensions.Options;
using WeChatAi.Api.Admin;
using WeChatAi.Api.Conversations;
using WeChatAi.Core.WeChat;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds and maps it with one line each.
namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// <c>{admin}/users</c>: the search, one user, their exchanges (<see cref="UserApi"/>), and the operator's changes
/// (block, unblock, reset memory, grant credits, nickname), each with its audit row (<see cref="UserChangeApi"/>;
/// docs/console-data.md).
/// </summary>
public static class ConversationEndpoints
{
    public static TBuilder AddConversations<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddWeChatBilling();
        builder.Services.AddSingleton<UserDirectory>();
        return builder;
    }

    public static RouteGroupBuilder MapConversationEndpoints(this RouteGroupBuilder admin)
    {
        var users = admin.MapGroup("/users")
            .AddEndpointFilter(RequireAppId)
            .WithStoreOutage("The user store (PostgreSQL or Redis) is unavailable; a change may be recorded without being in effect yet: send it again.");
        users.MapGet("/", UserApi.SearchAsync).WithName("SearchUsers");
        users.MapGet("/{openId}", UserApi.GetAsync).WithName("GetUser");
        users.MapGet("/{openId}/exchanges", UserApi.ExchangesAsync).WithName("ListUserExchanges");
        users.MapPost("/{openId}/block", UserChangeApi.BlockAsync).WithName("BlockUser");
        users.MapPost("/{openId}/unblock", UserChangeApi.UnblockAsync).WithName("UnblockUser");
        users.MapPost("/{openId}/reset-memory", UserChangeApi.ResetMemoryAsync).WithName("ResetUserMemory");
        users.MapPost("/{openId}/credits", UserChangeApi.GrantCreditsAsync).WithName("GrantUserCredits");
        users.MapPut("/{openId}/nickname", UserChangeApi.SetNicknameAsync).WithName("SetUserNickname");
        return admin;
    }

    // Users belong to the configured account: without WeChat:AppId there are none to show or change.
    private static ValueTask<object?> RequireAppId(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        context.HttpContext.RequestServices.GetRequiredService<IOptions<WeChatOptions>>().Value.AppId is { Length: > 0 }
            ? next(context)
            : AdminRequests.Refusal(StatusCodes.Status503ServiceUnavailable, "WeChat:AppId is not configured, so there are no users to show.");
}
