using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WeChatAi.Api.Admin;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Handoff;
using WeChatAi.Core.Handoff;
using WeChatAi.Core.Redis;
using WeChatAi.Core.Replies;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Api.Handoff;

/// <summary>
/// The handlers of <c>/api/admin/handoff</c>: the open sessions, one session, take over, reply, hand back. Every action
/// is audited with its operator; a session has one assignee, and another operator's action is a 409 naming them.
/// </summary>
internal static class HandoffApi
{
    public const int MaxKey = 100;
    private const int MaxMessages = 500;

    public static async Task<Ok<List<HandoffListItem>>> ListAsync(WeChatDbContext db, IOptions<WeChatOptions> options, TimeProvider time, CancellationToken ct)
    {
        var appId = options.Value.AppId!;
        var open = await db.HandoffSessions.AsNoTracking().Where(s => s.AppId == appId && s.ClosedAt == null).OrderBy(s => s.OpenedAt).ToListAsync(ct);
        var now = time.GetUtcNow();
        return TypedResults.Ok(open.Select(s => HandoffListItem.From(s, now)).ToList());
    }

    public static async Task<Results<Ok<HandoffView>, ProblemHttpResult>> GetAsync(
        string openId, WeChatDbContext db, IConnectionMultiplexer redis, JobShards shards, IOptions<WeChatOptions> options, TimeProvider time, CancellationToken ct)
    {
        var appId = options.Value.AppId!;
        var session = await db.HandoffSessions.AsNoTracking().Where(s => s.AppId == appId && s.OpenId == openId)
            .OrderByDescending(s => s.ClosedAt == null).ThenByDescending(s => s.Id).FirstOrDefaultAsync(ct);
        if (session is null)
        {
            return NoSession(openId);
        }

        var messages = await db.HandoffMessages.AsNoTracking().Where(m => m.SessionId == session.Id)
            .OrderByDescending(m => m.Id).Take(MaxMessages).ToListAsync(ct);
        var left = (int?)await redis.GetDatabase().HashGetAsync(ReplyKeys.Budget(shards.Of(openId), appId, openId), "left") ?? 0;
        return TypedResults.Ok(new HandoffView(
            HandoffListItem.From(session, time.GetUtcNow()), session.ClosedAt is null, session.ClosedAt, session.ClosedBy, session.CloseReason, left,
            messages.AsEnumerable().Reverse().Select(HandoffMessageView.From).ToList()));
    }

    /// <summary>Takes the user over: the session opens if none is (the AI stops at once) and the operator is its assignee.</summary>
    public static async Task<Results<Ok<HandoffListItem>, ProblemHttpResult>> TakeAsync(
        string openId, HttpContext http, WeChatDbContext db, HandoffSessions sessions, HandoffDesk desk, AdminAudit audit, IOptions<WeChatOptions> options, TimeProvider time, CancellationToken ct)
    {
        var (body, problem) = await AdminRequests.ReadJsonAsync(http.Request, HandoffJson.Default.TakeBody, "a JSON object like {\"force\":true}", ct, optional: true);
        if (problem is not null)
        {
            return problem;
        }

        var appId = options.Value.AppId!;
        if (!await desk.CanPushAsync(appId, openId))
        {
            return TypedResults.Problem(
                "该公众号只能被动回复，无法推送人工客服的消息。 This account replies passively only (no customer-service API): an operator's reply cannot reach the user.",
                statusCode: StatusCodes.Status409Conflict);
        }

        var actor = AdminAudit.Actor(http);
        var force = body?.Force is true;
        var now = time.GetUtcNow();
        var (session, created) = await sessions.OpenAsync(appId, openId, actor, now, ct);
        var previous = session.Assignee;
        if (!created && await db.HandoffSessions
            .Where(s => s.Id == session.Id && s.ClosedAt == null && (s.Assignee == null || s.Assignee == actor || force))
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Assignee, actor).SetProperty(x => x.LastActivityAt, now), ct) == 0)
        {
            return await TakenAsync(db, session.Id, openId, ct);
        }

        await audit.RecordAsync(http, "handoff.take", openId, new Dictionary<string, string?>
        {
            ["session"] = session.Id.ToString(CultureInfo.InvariantCulture),
            ["previousAssignee"] = previous,
            ["force"] = force ? "true" : null,
        }, ct);
        var taken = await db.HandoffSessions.AsNoTracking().SingleAsync(s => s.Id == session.Id, ct);
        return TypedResults.Ok(HandoffListItem.From(taken, now));
    }

    /// <summary>
    /// Pushes the operator's text once per idempotency key: the key's row (unique in PostgreSQL) is claimed before the
    /// push, so a double click, a retry or another replica finds it and gets the sent message back, never a second push.
    /// </summary>
    public static async Task<Results<Ok<HandoffMessageView>, ProblemHttpResult>> ReplyAsync(
        string openId, HttpContext http, WeChatDbContext db, HandoffPusher pusher, AdminAudit audit, IOptions<WeChatOptions> options, TimeProvider time, CancellationToken ct)
    {
        var (body, problem) = await AdminRequests.ReadJsonAsync(http.Request, HandoffJson.Default.ReplyBody, "a JSON object with text and idempotencyKey", ct);
        if (problem is not null)
        {
            return problem;
        }

        var text = body!.Text?.Trim() ?? string.Empty;
        if (text.Length == 0 || Encoding.UTF8.GetByteCount(text) > ReplyKeys.MaxReplyBytes)
        {
            return AdminRequests.BadRequest($"text must be 1 to {ReplyKeys.MaxReplyBytes} bytes of UTF-8 (WeChat's limit for a customer-service message).");
        }

        if (body.IdempotencyKey is not { Length: > 0 and <= MaxKey } idempotencyKey || idempotencyKey.Any(char.IsControl))
        {
            return AdminRequests.BadRequest($"idempotencyKey must be 1 to {MaxKey} characters without control characters (one per reply: a retry sends the same one).");
        }

        var appId = options.Value.AppId!;
        var actor = AdminAudit.Actor(http);
        if (await OpenSessionAsync(db, appId, openId, ct) is not { } session)
        {
            return NoSession(openId);
        }

        if (session.Assignee is { } assignee && assignee != actor)
        {
            return Taken(openId, assignee);
        }

        var now = time.GetUtcNow();
        var key = "op:" + idempotencyKey;
        var claimed = await db.Database.SqlQuery<long>($"""
            INSERT INTO handoff_messages ("SessionId", "AppId", "OpenId", "Key", "Operator", "Text", "At", "Delivery")
            VALUES ({session.Id}, {appId}, {openId}, {key}, {actor}, {text}, {now}, {nameof(HandoffDelivery.Sending)})
            ON CONFLICT ("AppId", "Key") DO NOTHING RETURNING "Id" AS "Value"
            """).ToListAsync(ct);
        if (claimed.Count == 0)
        {
            var earlier = await db.HandoffMessages.AsNoTracking().SingleAsync(m => m.AppId == appId && m.Key == key, ct);
            return earlier.Delivery switch
            {
                HandoffDelivery.Sent => TypedResults.Ok(HandoffMessageView.From(earlier)),
                HandoffDelivery.Unknown => Unknown(StatusCodes.Status409Conflict, earlier.Id),
                _ => TypedResults.Problem(
                    "这条回复正在发送，不会再次发送。 A reply with this idempotencyKey is being sent; it is not sent again.",
                    statusCode: StatusCodes.Status409Conflict,
                    extensions: new Dictionary<string, object?> { ["delivery"] = "sending", ["messageId"] = earlier.Id }),
            };
        }

        var id = claimed[0];
        var result = await pusher.PushAsync(appId, openId, text, ct);
        var target = openId;
        var detail = new Dictionary<string, string?> { ["session"] = session.Id.ToString(CultureInfo.InvariantCulture), ["message"] = id.ToString(CultureInfo.InvariantCulture) };
        if (result.Unknown)
        {
            // Resolved at once, not left "sending": the operator sees it as unknown and decides (a new key sends it again).
            await db.HandoffMessages.Where(m => m.Id == id && m.Delivery == HandoffDelivery.Sending)
                .ExecuteUpdateAsync(m => m.SetProperty(x => x.Delivery, HandoffDelivery.Unknown), CancellationToken.None);
            await audit.RecordAsync(http, "handoff.reply.unknown", target, detail, CancellationToken.None);
            return Unknown(StatusCodes.Status504GatewayTimeout, id);
        }

        if (!result.Sent)
        {
            // The key is freed: the same text may be sent again once the user writes (the console keeps it).
            await db.HandoffMessages.Where(m => m.Id == id).ExecuteDeleteAsync(ct);
            detail["errcode"] = result.ErrCode.ToString(CultureInfo.InvariantCulture);
            await audit.RecordAsync(http, "handoff.reply.refused", target, detail, ct);
            return Refused(result, text);
        }

        await db.HandoffMessages.Where(m => m.Id == id).ExecuteUpdateAsync(m => m.SetProperty(x => x.Delivery, HandoffDelivery.Sent), ct);
        await db.HandoffSessions.Where(s => s.Id == session.Id).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.FirstReplyAt, x => x.FirstReplyAt ?? now)
            .SetProperty(x => x.LastActivityAt, now)
            .SetProperty(x => x.Unread, 0)
            .SetProperty(x => x.Assignee, x => x.Assignee ?? actor), ct);
        await audit.RecordAsync(http, "handoff.reply", target, detail, ct);
        var sent = await db.HandoffMessages.AsNoTracking().SingleAsync(m => m.Id == id, ct);
        return TypedResults.Ok(HandoffMessageView.From(sent));
    }

    /// <summary>Hands the user back to the AI: the session closes and <c>Handoff:EndText</c> is pushed (within WeChat's rules).</summary>
    public static async Task<Results<Ok<CloseView>, ProblemHttpResult>> CloseAsync(
        string openId, HttpContext http, WeChatDbContext db, HandoffSessions sessions, HandoffPusher pusher, AdminAudit audit,
        IOptions<WeChatOptions> options, IOptionsMonitor<HandoffOptions> handoff, TimeProvider time, CancellationToken ct)
    {
        var appId = options.Value.AppId!;
        var actor = AdminAudit.Actor(http);
        if (await OpenSessionAsync(db, appId, openId, ct) is not { } session)
        {
            return NoSession(openId);
        }

        var now = time.GetUtcNow();
        if (!await sessions.CloseAsync(session, actor, "operator", now, ct))
        {
            return NoSession(openId);
        }

        var endText = handoff.CurrentValue.EndText;
        var sent = endText.Length > 0 && (await pusher.PushAsync(appId, openId, endText, ct)).Sent;
        await audit.RecordAsync(http, "handoff.close", openId, new Dictionary<string, string?>
        {
            ["session"] = session.Id.ToString(CultureInfo.InvariantCulture),
            ["endTextSent"] = sent ? "true" : "false",
        }, ct);
        return TypedResults.Ok(new CloseView(session.Id, now, sent));
    }

    /// <summary>
    /// No answer from WeChat: the user may have the reply. Never pushed again under its key (a client's automatic retry
    /// would be a silent second message); the operator, who sees <c>unknown</c>, may send it again with a new key.
    /// </summary>
    private static ProblemHttpResult Unknown(int status, long messageId) => TypedResults.Problem(
        "微信没有回应，这条回复可能已送达（状态：未知），不会用同一个 idempotencyKey 再次发送；如确认用户没有收到，请用新的 idempotencyKey 重新发送。 " +
        "WeChat did not answer: the reply may have arrived (delivery unknown). It is never sent again under this idempotencyKey; if the user did not get it, send it again with a new one.",
        statusCode: status,
        extensions: new Dictionary<string, object?> { ["delivery"] = "unknown", ["messageId"] = messageId });

    private static Task<HandoffSession?> OpenSessionAsync(WeChatDbContext db, string appId, string openId, CancellationToken ct) =>
        db.HandoffSessions.AsNoTracking().FirstOrDefaultAsync(s => s.AppId == appId && s.OpenId == openId && s.ClosedAt == null, ct);

    private static async Task<ProblemHttpResult> TakenAsync(WeChatDbContext db, long sessionId, string openId, CancellationToken ct)
    {
        var now = await db.HandoffSessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sessionId, ct);
        return now is { ClosedAt: null, Assignee: { } assignee } ? Taken(openId, assignee) : NoSession(openId);
    }

    private static ProblemHttpResult Taken(string openId, string assignee) => TypedResults.Problem(
        $"{assignee} 正在处理这位用户；确需接手请发送 {{\"force\":true}}。 {assignee} has taken user {openId}; send {{\"force\":true}} to take it over anyway.",
        statusCode: StatusCodes.Status409Conflict,
        extensions: new Dictionary<string, object?> { ["assignee"] = assignee });

    private static ProblemHttpResult NoSession(string openId) =>
        TypedResults.Problem($"No open handoff session for user {openId}; take the user over first.", statusCode: StatusCodes.Status404NotFound);

    /// <summary>WeChat's (or the budget's) refusal, plainly, with the text so the console keeps it.</summary>
    private static ProblemHttpResult Refused(PushResult result, string text)
    {
        var (status, message) = result.ErrCode switch
        {
            WeChatErrorCodes.ReplyTimeLimitExceeded => (StatusCodes.Status409Conflict,
                "用户 48 小时内没有发消息，微信不允许再推送；等用户再发一条消息后重试。 The user has not written in the last 48 hours (errcode 45015): WeChat accepts no message until they write again."),
            WeChatErrorCodes.TooManyMessages => (StatusCodes.Status409Conflict,
                "已用完微信允许发给该用户的消息条数；等用户再发一条消息后重试。 The messages WeChat allows for this user are used up (errcode 45047): wait for the user's next message."),
            _ => (StatusCodes.Status502BadGateway, $"微信拒绝了这条消息。 WeChat refused the message (errcode {result.ErrCode}: {result.ErrMsg})."),
        };
        return TypedResults.Problem(message, statusCode: status, extensions: new Dictionary<string, object?>
        {
            ["errcode"] = result.ErrCode,
            ["text"] = text,
        });
    }
}
