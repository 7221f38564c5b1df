using System.Globalization;

namespace WeChatAi.Admin.Components.Pages.Inbox;

/// <summary>How the Inbox words a session's figures.</summary>
public static class HandoffText
{
    public static string Assignee(string? assignee) => assignee ?? "未分配";

    /// <summary>12 秒, 3 分 05 秒, 2 小时 07 分.</summary>
    public static string Duration(long seconds) => seconds switch
    {
        < 60 => $"{seconds} 秒",
        < 3600 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60} 分 {seconds % 60:00} 秒"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600} 小时 {seconds / 60 % 60:00} 分"),
    };

    /// <summary>An operator's reply's delivery as the transcript shows it.</summary>
    public static string Delivery(string? delivery) => delivery switch
    {
        "sent" => "已送达 sent",
        "sending" => "发送中 sending",
        // WeChat never answered: the user may have it; it is not sent again under its key (docs/handoff.md).
        "unknown" => "结果未知，可能已送达 unknown",
        _ => delivery ?? string.Empty,
    };
}
