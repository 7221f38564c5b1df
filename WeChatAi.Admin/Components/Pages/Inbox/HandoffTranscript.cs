using WeChatAi.Admin.Api;

namespace WeChatAi.Admin.Components.Pages.Inbox;

/// <summary>One line of a session's transcript: an AI exchange, a message of the session (the user's held one or an operator's reply), or the session's opening or closing.</summary>
public sealed record HandoffTranscript(DateTimeOffset At, ExchangeView? Exchange, HandoffMessageView? Message, string? Line)
{
    /// <summary>WeChat accepts customer-service messages for 48 hours after the user's last message.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(48);

    /// <summary>Everything in time order: the user's exchanges with the AI around the session (if any) and the session's messages.</summary>
    public static List<HandoffTranscript> Merge(IReadOnlyList<ExchangeView> exchanges, HandoffView? session)
    {
        ArgumentNullException.ThrowIfNull(exchanges);
        var lines = new List<HandoffTranscript>();
        if (session is { Session: var s })
        {
            lines.Add(new(s.OpenedAt, null, null, s.OpenedBy is { } by ? $"{by} 接管了对话 took the user over" : "用户请求人工 The user asked for a person"));
            lines.AddRange(session.Messages.Select(m => new HandoffTranscript(m.At, null, m, null)));
            if (session.ClosedAt is { } closed)
            {
                lines.Add(new(closed, null, null, $"已交还 AI Handed back ({session.CloseReason}{(session.ClosedBy is { } who ? " · " + who : "")})"));
            }
        }

        // At the same instant, the session's opening or closing line comes first.
        return
        [
            .. exchanges.Select(e => new HandoffTranscript(e.ReceivedAt, e, null, null)).Concat(lines)
                .OrderBy(l => l.At).ThenBy(l => l.Line is null ? 1 : 0),
        ];
    }

    /// <summary>
    /// When the user last wrote, as far as the console knows: a held message, the request that opened the session, or
    /// a question to the AI. WeChat's window for pushes runs from there.
    /// </summary>
    public static DateTimeOffset? LastUserMessage(IReadOnlyList<ExchangeView> exchanges, HandoffView session)
    {
        ArgumentNullException.ThrowIfNull(exchanges);
        ArgumentNullException.ThrowIfNull(session);
        return session.Messages.Where(m => m.Author == "user").Select(m => (DateTimeOffset?)m.At)
            .Concat(exchanges.Where(e => e.Kind != "notice").Select(e => (DateTimeOffset?)e.ReceivedAt))
            .Append(session.Session.OpenedBy is null ? session.Session.OpenedAt : null)
            .Max();
    }
}
