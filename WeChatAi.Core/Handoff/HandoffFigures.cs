using Microsoft.EntityFrameworkCore;
using WeChatAi.Core.Billing;
using WeChatAi.Core.Data;

namespace WeChatAi.Core.Handoff;

/// <summary>The overview's handoff figures (China's day, as the others).</summary>
/// <param name="SessionsToday">Sessions opened today.</param>
/// <param name="WaitingNow">Open sessions with no operator reply yet, or a user message after the last one.</param>
/// <param name="MedianFirstReplySecondsToday">Over today's sessions that got a first reply: opened to first reply; null without one.</param>
public sealed record HandoffFigures(int SessionsToday, int WaitingNow, long? MedianFirstReplySecondsToday)
{
    public static async Task<HandoffFigures> ReadAsync(WeChatDbContext db, DateOnly day, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var start = BillingDay.Start(day).ToUniversalTime(); // Npgsql writes timestamptz from UTC only
        var end = BillingDay.Start(day.AddDays(1)).ToUniversalTime();
        var today = db.HandoffSessions.Where(s => s.OpenedAt >= start && s.OpenedAt < end);
        var sessions = await today.CountAsync(cancellationToken).ConfigureAwait(false);
        var waiting = await db.HandoffSessions.CountAsync(s => s.ClosedAt == null && (s.FirstReplyAt == null || s.Unread > 0), cancellationToken).ConfigureAwait(false);
        var replied = await today.Where(s => s.FirstReplyAt != null).Select(s => new { s.OpenedAt, s.FirstReplyAt }).ToListAsync(cancellationToken).ConfigureAwait(false);
        var seconds = replied.Select(s => (long)(s.FirstReplyAt!.Value - s.OpenedAt).TotalSeconds).Order().ToList();
        return new HandoffFigures(sessions, waiting, seconds.Count == 0 ? null : seconds[(seconds.Count - 1) / 2]);
    }
}
