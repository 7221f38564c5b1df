using WeChatAi.Api.Conversations;

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
            .AddEndpointFilter<AccountFilter>()
            .WithStoreOutage("The user store (PostgreSQL or Redis) is unavailable; a change may be recorded without being in effect yet: send it again.");
        users.MapGet("/", UserApi.SearchAsync).WithName("SearchUsers");
        users.MapGet("/{openId}", UserApi.GetAsync).WithName("GetUser");
        users.MapGet("/{openId}/exchanges", UserApi.ExchangesAsync).WithName("ListUserExchanges");
        users.MapPost("/{openId}/block", UserChangeApi.BlockAsync).Accepts<BlockBody>(isOptional: true, "application/json").WithName("BlockUser");
        users.MapPost("/{openId}/unblock", UserChangeApi.UnblockAsync).WithName("UnblockUser");
        users.MapPost("/{openId}/reset-memory", UserChangeApi.ResetMemoryAsync).WithName("ResetUserMemory");
        users.MapPost("/{openId}/credits", UserChangeApi.GrantCreditsAsync).Accepts<CreditsBody>(isOptional: true, "application/json").WithName("GrantUserCredits");
        users.MapPut("/{openId}/nickname", UserChangeApi.SetNicknameAsync).Accepts<NicknameBody>(isOptional: true, "application/json").WithName("SetUserNickname");
        return admin;
    }
}
