using Microsoft.Extensions.DependencyInjection.Extensions;
using WeChatAi.Api.Conversations;
using WeChatAi.Api.Handoff;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds and maps it with one line each.
namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Handoff to a person (docs/handoff.md): the webhook's side (<see cref="HandoffDesk"/>) and <c>{admin}/handoff</c>:
/// <c>GET</c> (open sessions), <c>GET /{openId}</c>, <c>POST /{openId}</c> (take over), <c>POST /{openId}/messages</c>
/// (reply), <c>POST /{openId}/close</c> (hand back) (<see cref="HandoffApi"/>).
/// </summary>
public static class HandoffEndpoints
{
    public static TBuilder AddHandoff<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddHandoffSessions();
        builder.Services.AddWeChatAccessTokens();
        builder.Services.TryAddSingleton<HandoffDesk>();
        builder.Services.AddHttpClient<HandoffPusher>();
        return builder;
    }

    public static RouteGroupBuilder MapHandoffEndpoints(this RouteGroupBuilder admin)
    {
        var handoff = admin.MapGroup("/handoff")
            .AddEndpointFilter<AccountFilter>()
            .WithStoreOutage("The handoff store (PostgreSQL or Redis) is unavailable; a later GET shows what was done.");
        handoff.MapGet("/", HandoffApi.ListAsync).WithName("ListHandoffSessions");
        handoff.MapGet("/{openId}", HandoffApi.GetAsync).WithName("GetHandoffSession").WithProblemResponse(StatusCodes.Status404NotFound);

        // 409: another operator is the assignee (named), or the account cannot push (passive mode).
        handoff.MapPost("/{openId}", HandoffApi.TakeAsync).Accepts<TakeBody>(isOptional: true, "application/json").WithName("TakeHandoffSession")
            .WithProblemResponse(StatusCodes.Status400BadRequest).WithProblemResponse(StatusCodes.Status409Conflict);

        // 409: WeChat's 45015/45047 (errcode and text in the problem), another assignee, or the key already in flight;
        // 502: another refusal from WeChat; 504: no answer from WeChat (the reply may have arrived; not sent again).
        handoff.MapPost("/{openId}/messages", HandoffApi.ReplyAsync).Accepts<ReplyBody>("application/json").WithName("ReplyHandoffSession")
            .WithProblemResponse(StatusCodes.Status400BadRequest).WithProblemResponse(StatusCodes.Status404NotFound)
            .WithProblemResponse(StatusCodes.Status409Conflict).WithProblemResponse(StatusCodes.Status502BadGateway)
            .WithProblemResponse(StatusCodes.Status504GatewayTimeout);
        handoff.MapPost("/{openId}/close", HandoffApi.CloseAsync).WithName("CloseHandoffSession").WithProblemResponse(StatusCodes.Status404NotFound);
        return admin;
    }
}
