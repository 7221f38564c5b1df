using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Handoff;
using WeChatAi.Core.Handoff;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Redis;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Worker.Handoff;

/// <summary>
/// Every <c>Handoff:SweepSeconds</c>: sessions with no operator activity for <c>Handoff:IdleMinutes</c> handed back to
/// the AI (the user told with <c>Handoff:IdleText</c>, a notice job the pipeline pushes within the user's budget), and
/// <c>Handoff:NotifyWebhookUrl</c> told once per session when a user has waited <c>Handoff:NotifyAfterSeconds</c>
/// for a first reply. Each step is a conditional update in PostgreSQL, so several workers sweep without doing it twice.
/// First, the Redis markers are made to agree with the open rows (<see cref="HandoffSessions.ReconcileAsync"/>).
/// </summary>
internal sealed partial class HandoffSweep(
    IServiceScopeFactory scopes,
    HandoffSessions sessions,
    IConnectionMultiplexer redis,
    JobShards shards,
    IHttpClientFactory http,
    IOptionsMonitor<HandoffOptions> options,
    IOptions<WeChatOptions> weChat,
    TimeProvider time,
    ILogger<HandoffSweep> logger) : BackgroundService
{
    public const string NotifyClientName = "handoff-notify";

    // Clear of WeChat's (positive) message ids and of payment notices (minus the order id).
    private const long IdleNoticeBase = 1L << 40;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(logger, ex);
            }

            await Task.Delay(TimeSpan.FromSeconds(options.CurrentValue.SweepSeconds), time, stoppingToken);
        }
    }

    /// <summary>One pass, at the clock's now.</summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var now = time.GetUtcNow();
        var (restored, removed) = await sessions.ReconcileAsync(weChat.Value.AppId!, cancellationToken);
        if (restored + removed > 0)
        {
            LogReconciled(logger, restored, removed);
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WeChatDbContext>();
        // A reply whose request died mid-push (the API stopped): unknown, as a push WeChat never answered.
        var givenUp = now - settings.SendingGivenUpAfter;
        await db.HandoffMessages.Where(m => m.Delivery == HandoffDelivery.Sending && m.At < givenUp)
            .ExecuteUpdateAsync(m => m.SetProperty(x => x.Delivery, HandoffDelivery.Unknown), cancellationToken);

        var idleSince = now.AddMinutes(-settings.IdleMinutes);
        var idle = await db.HandoffSessions.AsNoTracking().Where(s => s.ClosedAt == null && s.LastActivityAt < idleSince).ToListAsync(cancellationToken);
        foreach (var session in idle)
        {
            if (await sessions.CloseAsync(session, closedBy: null, "idle", now, cancellationToken) && settings.IdleText.Length > 0)
            {
                await TellAsync(session, settings.IdleText, now);
            }
        }

        if (string.IsNullOrEmpty(settings.NotifyWebhookUrl))
        {
            return;
        }

        var waitedSince = now.AddSeconds(-settings.NotifyAfterSeconds);
        var waiting = await db.HandoffSessions.AsNoTracking()
            .Where(s => s.ClosedAt == null && s.NotifiedAt == null && s.FirstReplyAt == null && s.OpenedAt < waitedSince).ToListAsync(cancellationToken);
        foreach (var session in waiting)
        {
            if (await db.HandoffSessions.Where(s => s.Id == session.Id && s.NotifiedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.NotifiedAt, now), cancellationToken) == 1)
            {
                await NotifyAsync(settings.NotifyWebhookUrl, session, now, cancellationToken);
            }
        }
    }

    /// <summary>The user's text as a notice job on their shard: the pipeline pushes it in order, within the budget.</summary>
    private async Task TellAsync(HandoffSession session, string text, DateTimeOffset now)
    {
        var job = new AiJob(session.AppId, session.OpenId, -(IdleNoticeBase + session.Id), text, now.ToUnixTimeMilliseconds(), Activity.Current?.Id, null) { Notice = true };
        await redis.GetDatabase().StreamAddAsync(QueueKeys.JobStream(shards.Of(session.OpenId)), job.ToStreamEntry());
    }

    // No OpenID or message in the group chat: it is outside the console, and only says that someone waits.
    private async Task NotifyAsync(string url, HandoffSession session, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var waited = (long)(now - session.OpenedAt).TotalSeconds;
        var content = string.Create(CultureInfo.InvariantCulture, $"有用户等待人工客服已 {waited} 秒（会话 {session.Id}），请到控制台的人工客服收件箱处理。");
        try
        {
            using var response = await http.CreateClient(NotifyClientName).PostAsJsonAsync(
                new Uri(url), new RobotText("text", new RobotContent(content)), HandoffNotifyJson.Default.RobotText, cancellationToken);
            response.EnsureSuccessStatusCode();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or Core.Outbound.OutboundRefusedException)
        {
            // Told once: a robot that is down is not asked again for this session (the console's inbox shows the user anyway).
            LogNotifyFailed(logger, ex, session.Id);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handoff markers repaired: {Restored} open session(s) had none in Redis, {Removed} marker(s) outlived their session")]
    private static partial void LogReconciled(ILogger logger, int restored, int removed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The handoff sweep failed; trying again at the next pass")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handoff:NotifyWebhookUrl could not be told about session {SessionId}")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception, long sessionId);
}

internal sealed record RobotText([property: JsonPropertyName("msgtype")] string MsgType, [property: JsonPropertyName("text")] RobotContent Text);

internal sealed record RobotContent([property: JsonPropertyName("content")] string Content);

[JsonSerializable(typeof(RobotText))]
internal sealed partial class HandoffNotifyJson : JsonSerializerContext;
