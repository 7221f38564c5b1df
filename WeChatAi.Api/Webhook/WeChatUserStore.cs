using Microsoft.EntityFrameworkCore;
using WeChatAi.Core.Data;

namespace WeChatAi.Api.Webhook;

/// <summary>
/// Follow/unfollow bookkeeping in PostgreSQL. Only events come here, so text messages never touch the database;
/// each call takes its own scope because the webhook itself is a singleton. Writes are not tied to the request's
/// cancellation: an unsubscribe must be recorded even if WeChat stops waiting for the reply.
/// </summary>
public sealed class WeChatUserStore(IServiceScopeFactory scopes, TimeProvider time)
{
    public Task MarkSubscribedAsync(string appId, string openId) => UpsertAsync(appId, openId, subscribed: true);

    public Task MarkUnsubscribedAsync(string appId, string openId) => UpsertAsync(appId, openId, subscribed: false);

    // One atomic statement: WeChat's retries and other replicas may deliver the same event concurrently.
    private async Task UpsertAsync(string appId, string openId, bool subscribed)
    {
        var now = time.GetUtcNow();
        DateTimeOffset? unsubscribedAt = subscribed ? null : now;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO wechat_users ("AppId", "OpenId", "Subscribed", "FirstSeenAt", "LastSeenAt", "UnsubscribedAt")
            VALUES ({appId}, {openId}, {subscribed}, {now}, {now}, {unsubscribedAt})
            ON CONFLICT ("AppId", "OpenId") DO UPDATE
            SET "Subscribed" = EXCLUDED."Subscribed", "LastSeenAt" = EXCLUDED."LastSeenAt", "UnsubscribedAt" = EXCLUDED."UnsubscribedAt"
            """).ConfigureAwait(false);
    }
}
