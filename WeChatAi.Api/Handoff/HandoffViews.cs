using System.Text.Json.Serialization;
using WeChatAi.Core.Data.Handoff;

namespace WeChatAi.Api.Handoff;

/// <summary>An open session in the inbox.</summary>
/// <param name="WaitingSeconds">How long the user has waited for a person: since the opening until the first reply, then since their oldest unread message; 0 when nothing is unread after a reply.</param>
/// <param name="LastPreview">The last message's first characters (operators see messages anyway; never logged).</param>
internal sealed record HandoffListItem(
    long SessionId,
    string OpenId,
    DateTimeOffset OpenedAt,
    string? OpenedBy,
    string? Assignee,
    long WaitingSeconds,
    int Unread,
    string? LastPreview,
    DateTimeOffset? LastMessageAt,
    DateTimeOffset? FirstReplyAt)
{
    public static HandoffListItem From(HandoffSession s, DateTimeOffset now) => new(
        s.Id, s.OpenId, s.OpenedAt, s.OpenedBy, s.Assignee, WaitingSince(s) is { } since ? Math.Max(0, (long)(now - since).TotalSeconds) : 0,
        s.Unread, s.LastPreview, s.LastMessageAt, s.FirstReplyAt);

    private static DateTimeOffset? WaitingSince(HandoffSession s) =>
        s.FirstReplyAt is null ? s.OpenedAt : s.Unread > 0 ? s.LastMessageAt : null;
}

/// <param name="Author"><c>user</c> or <c>operator</c>.</param>
/// <param name="Delivery">An operator's: <c>sending</c> (waiting for WeChat's answer), <c>sent</c>, or <c>unknown</c> (no answer came: the user may have it; send again with a new key if not).</param>
internal sealed record HandoffMessageView(long Id, string Author, string? Operator, string Text, string? Media, DateTimeOffset At, string? Delivery)
{
    public static HandoffMessageView From(HandoffMessage m) => new(
        m.Id, m.Operator is null ? "user" : "operator", m.Operator, m.Text, m.Media, m.At, m.Delivery?.ToString().ToLowerInvariant());
}

/// <summary>One session with its messages; the AI's turns before it are the user's exchanges (<c>/api/admin/users/{openId}/exchanges</c>).</summary>
/// <param name="MessagesLeft">Customer-service messages the account may still send the user (WeChat's quota); 0 when the 48-hour window closed.</param>
internal sealed record HandoffView(HandoffListItem Session, bool Open, DateTimeOffset? ClosedAt, string? ClosedBy, string? CloseReason, int MessagesLeft, IReadOnlyList<HandoffMessageView> Messages);

internal sealed record TakeBody(bool? Force);

internal sealed record ReplyBody(string? Text, string? IdempotencyKey);

/// <param name="EndTextSent">Whether <c>Handoff:EndText</c> reached the user (no: out of WeChat's window or quota).</param>
internal sealed record CloseView(long SessionId, DateTimeOffset ClosedAt, bool EndTextSent);

[JsonSerializable(typeof(TakeBody))]
[JsonSerializable(typeof(ReplyBody))]
[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
internal sealed partial class HandoffJson : JsonSerializerContext;
