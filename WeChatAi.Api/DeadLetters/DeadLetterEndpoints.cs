using WeChatAi.Api.DeadLetters;

// In the builder's namespace, like the service defaults' extensions: Program.cs adds and maps it with one line each.
namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// The operator's dead letters, on the admin group: <c>GET {admin}/dead-letters?after&amp;count</c>,
/// <c>POST {admin}/dead-letters/{id}/retry</c>, <c>POST {admin}/dead-letters/retry-all</c>,
/// <c>DELETE {admin}/dead-letters/{id}</c> (<see cref="DeadLetterApi"/>).
/// </summary>
public static class DeadLetterEndpoints
{
    public static TBuilder AddDeadLetters<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddSingleton<DeadLetterAdmin>();
        return builder;
    }

    public static RouteGroupBuilder MapDeadLetterEndpoints(this RouteGroupBuilder admin)
    {
        // A change is in Redis and its audit row in PostgreSQL: either store away is a 503.
        var deadLetters = admin.MapGroup("/dead-letters").WithStoreOutage(
            "The queue store (Redis) or the audit store (PostgreSQL) is unavailable; a change made before the audit row failed shows in the next list.");
        deadLetters.MapGet("/", DeadLetterApi.ListAsync).WithStoreOutage("The queue store (Redis) is unavailable.").WithName("ListDeadLetters");
        deadLetters.MapPost("/retry-all", DeadLetterApi.RetryAllAsync).WithName("RetryAllDeadLetters");
        deadLetters.MapPost("/{id}/retry", DeadLetterApi.RetryAsync).WithName("RetryDeadLetter");
        deadLetters.MapDelete("/{id}", DeadLetterApi.DiscardAsync).WithName("DiscardDeadLetter");
        return admin;
    }
}
