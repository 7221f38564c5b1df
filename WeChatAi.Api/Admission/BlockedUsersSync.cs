using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using WeChatAi.Core.Data;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Api.Admission;

/// <summary>
/// When an API starts, rebuilds the blocked set from PostgreSQL (a Redis that lost its data, or rows changed by hand,
/// are repaired). In the background, not a warm-up: PostgreSQL away must not hold the webhook, whose set Redis kept.
/// </summary>
internal sealed partial class BlockedUsersSync(
    IServiceScopeFactory scopes, BlockedUsers blocked, IOptions<WeChatOptions> options, TimeProvider time, ILogger<BlockedUsersSync> logger) : BackgroundService
{
    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.AppId is not { Length: > 0 } appId)
        {
            return;
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
                var openIds = await db.Users.AsNoTracking().Where(u => u.AppId == appId && u.Blocked).Select(u => u.OpenId).ToListAsync(stoppingToken).ConfigureAwait(false);
                await blocked.ReplaceAsync(appId, openIds).ConfigureAwait(false);
                LogRebuilt(logger, openIds.Count);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                if (attempt == 0)
                {
                    LogRebuildFailed(logger, ex);
                }
            }

            await Task.Delay(RetryEvery, time, stoppingToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(1, LogLevel.Information, "Blocked users: {Count} in Redis, rebuilt from PostgreSQL")]
    private static partial void LogRebuilt(ILogger logger, int count);

    [LoggerMessage(2, LogLevel.Warning, "Could not rebuild the blocked users' set from PostgreSQL; the set Redis holds stays in use, trying again every 5 s")]
    private static partial void LogRebuildFailed(ILogger logger, Exception exception);
}
