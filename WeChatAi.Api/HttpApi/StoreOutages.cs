using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using StackExchange.Redis;

namespace WeChatAi.Api.HttpApi;

/// <summary>What an endpoint answers (503) while a store it needs is away; declared on it or its group with <c>WithStoreOutage</c>.</summary>
public sealed record StoreOutageMetadata(string Message);

/// <summary>
/// The one place a store outage becomes an answer: when Redis or PostgreSQL fails under an endpoint that declares
/// <see cref="StoreOutageMetadata"/>, a 503 problem with its message. Anything else, or any endpoint without it, is left
/// to the server's 500 as before.
/// </summary>
internal sealed class StoreOutageHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var endpoint = httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint;
        if (endpoint?.Metadata.GetMetadata<StoreOutageMetadata>() is not { } outage || !IsOutage(exception))
        {
            return false;
        }

        await TypedResults.Problem(outage.Message, statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(httpContext);
        return true;
    }

    /// <summary>
    /// A store that did not answer: the clients' own exceptions, EF Core's retries given up, a connection failure inside
    /// EF Core (not a constraint PostgreSQL refused), and a cancellation the caller did not ask for (a store call's own
    /// deadline; the exception handler ignores a request the client aborted).
    /// </summary>
    public static bool IsOutage(Exception exception) =>
        exception is NpgsqlException or RedisException or TimeoutException or RetryLimitExceededException or OperationCanceledException
            || exception is InvalidOperationException { InnerException: NpgsqlException } or DbUpdateException { InnerException: NpgsqlException and not PostgresException };
}
