using Microsoft.AspNetCore.Http.HttpResults;
using WeChatAi.Api.HttpApi;

namespace WeChatAi.Api.Overview;

/// <summary>The handler of <c>GET /api/admin/overview</c>: one reading of the stores shared for <c>CacheDuration</c>.</summary>
internal static class OverviewApi
{
    public static async Task<Ok<OverviewSnapshot>> GetAsync(ShortCache<OverviewSnapshot> cache, OverviewReader reader, CancellationToken cancellationToken) =>
        TypedResults.Ok(await cache.GetAsync(now => reader.ReadAsync(now, cancellationToken), cancellationToken));
}
