using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using WeChatAi.Api.Conversations;
using WeChatAi.Api.Handoff;
using WeChatAi.Core.Handoff;

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
        // No retry: a push WeChat may have taken, sent again, is a second message the operator never wrote. One bounded wait.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is experimental; the documented way off the defaults' handler.
        builder.Services.AddHttpClient<HandoffPusher>().RemoveAllResilienceHandlers().ConfigureHttpClient(static (services, client) =>
            client.Timeout = TimeSpan.FromSeconds(services.GetRequiredService<IOptions<HandoffOptions>>().Value.PushTimeoutSeconds));
#pragma warning restore EXTEXP0001
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

        // 409: WeChat's 45015/45047 (errcode and text in the problem), another assignee, or the key in flight or unknown;
        // 502: another refusal from WeChat; 504: no answer from WeChat (delivery unknown: never sent again under its key).
        handoff.MapPost("/{openId}/messages", HandoffApi.ReplyAsync).Accepts<ReplyBody>("application/json").WithName("ReplyHandoffSession")
            .WithProblemResponse(StatusCodes.Status400BadRequest).WithProblemResponse(StatusCodes.Status404NotFound)
            .WithProblemResponse(StatusCodes.Status409Conflict).WithProblemResponse(StatusCodes.Status502BadGateway)
            .WithProblemResponse(StatusCodes.Status504GatewayTimeout);
        handoff.MapPost("/{openId}/close", HandoffApi.CloseAsync).WithName("CloseHandoffSession").WithProblemResponse(StatusCodes.Status404NotFound);
        return admin;
    }
}
