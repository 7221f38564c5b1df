using System.Globalization;

namespace WeChatAi.Core.WeChat;

/// <summary>A push with MsgType <c>event</c>. Events carry no MsgId, so retries are recognised by sender, time and event.</summary>
public abstract record WeChatEvent(string ToUserName, string FromUserName, long CreateTime, string Event)
    : WeChatInbound(ToUserName, FromUserName, CreateTime)
{
    public override string DedupKey => string.Create(CultureInfo.InvariantCulture, $"{FromUserName}:{CreateTime}:{Event}");
}

/// <param name="EventKey"><c>qrscene_{scene}</c> when the user followed by scanning a parametric QR code.</param>
/// <param name="Ticket">The QR code ticket, with the same condition.</param>
public sealed record SubscribeEvent(string ToUserName, string FromUserName, long CreateTime, string? EventKey, string? Ticket)
    : WeChatEvent(ToUserName, FromUserName, CreateTime, "subscribe")
{
    private const string ScenePrefix = "qrscene_";

    /// <summary>The QR code scene the user followed from, or null for a plain follow.</summary>
    public string? SceneId => EventKey?.StartsWith(ScenePrefix, StringComparison.Ordinal) == true ? EventKey[ScenePrefix.Length..] : null;
}

public sealed record UnsubscribeEvent(string ToUserName, string FromUserName, long CreateTime)
    : WeChatEvent(ToUserName, FromUserName, CreateTime, "unsubscribe");

/// <summary>An existing follower scanned a parametric QR code.</summary>
/// <param name="EventKey">The scene id (no <c>qrscene_</c> prefix here).</param>
public sealed record ScanEvent(string ToUserName, string FromUserName, long CreateTime, string EventKey, string Ticket)
    : WeChatEvent(ToUserName, FromUserName, CreateTime, "SCAN");

/// <summary>Periodic location report, sent only if the account enabled it and the user agreed.</summary>
public sealed record LocationEvent(string ToUserName, string FromUserName, long CreateTime, double Latitude, double Longitude, double Precision)
    : WeChatEvent(ToUserName, FromUserName, CreateTime, "LOCATION");

/// <param name="EventKey">The key configured on the menu button.</param>
public sealed record ClickEvent(string ToUserName, string FromUserName, long CreateTime, string EventKey)
    : WeChatEvent(ToUserName, FromUserName, CreateTime, "CLICK");

/// <param name="EventKey">The URL the menu button opens.</param>
public sealed record ViewEvent(string ToUserName, string FromUserName, long CreateTime, string EventKey)
    : WeChatEvent(ToUserName, FromUserName, CreateTime, "VIEW");

/// <summary>An Event this code does not model yet.</summary>
public sealed record UnknownEvent(string ToUserName, string FromUserName, long CreateTime, string Event)
    : WeChatEvent(ToUserName, FromUserName, CreateTime, Event);
