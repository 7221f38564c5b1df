using WeChatAi.Admin.Api;

namespace WeChatAi.Admin.Components.Pages.Conversation;

/// <summary>One line of the transcript: an exchange (a question and what the account sent back) or an operator's action.</summary>
public sealed record TranscriptItem(DateTimeOffset At, ExchangeView? Exchange, AuditRow? Action)
{
    /// <summary>Exchanges (newest first, as paged) and the operator's actions on the user, oldest first; actions older than the
    /// oldest loaded exchange wait for the earlier page, unless there is none.</summary>
    public static List<TranscriptItem> Merge(IReadOnlyList<ExchangeView> exchanges, IReadOnlyList<AuditRow> actions, bool complete)
    {
        var oldest = exchanges.Count > 0 ? exchanges.Min(e => e.ReceivedAt) : DateTimeOffset.MaxValue;
        return
        [
            .. exchanges.Select(e => new TranscriptItem(e.ReceivedAt, e, null))
                .Concat(actions.Where(a => complete || a.At >= oldest).Select(a => new TranscriptItem(a.At, null, a)))
                .OrderBy(i => i.At).ThenBy(i => i.Exchange?.Id ?? 0),
        ];
    }

    /// <summary>An operator's action as the system line shows it.</summary>
    public static string Describe(AuditRow action) => action.Action switch
    {
        "user.block" => "封禁 Blocked",
        "user.unblock" => "解封 Unblocked",
        "user.credits" => "赠送次数 Granted credits",
        "user.reset-memory" => "清除记忆 Reset memory",
        "user.nickname" => "修改昵称 Nickname changed",
        _ => action.Action,
    };
}
