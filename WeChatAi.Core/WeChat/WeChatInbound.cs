using System.Globalization;

namespace WeChatAi.Core.WeChat;

/// <summary>A message or event WeChat pushed to the official account.</summary>
/// <param name="ToUserName">The official account's original id (gh_…).</param>
/// <param name="FromUserName">The sender's OpenID.</param>
/// <param name="CreateTime">Unix seconds.</param>
public abstract record WeChatInbound(string ToUserName, string FromUserName, long CreateTime)
{
    /// <summary>Identifies a push across WeChat's retries; callers prefix the AppId.</summary>
    public abstract string DedupKey { get; }

    /// <summary>
    /// Maps a parsed payload to its typed record. Non-nullable properties come from required elements;
    /// unrecognised MsgType/Event values yield <see cref="UnknownMessage"/>/<see cref="UnknownEvent"/>.
    /// </summary>
    /// <exception cref="WeChatProtocolException">A required element is missing or not a number.</exception>
    public static WeChatInbound From(WeChatXmlDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        string to = document.GetRequired("ToUserName");
        string from = document.GetRequired("FromUserName");
        long createTime = ParseInt64(document, "CreateTime");
        string msgType = document.GetRequired("MsgType");

        if (msgType == "event")
        {
            return EventFrom(document, to, from, createTime);
        }

        long msgId = ParseInt64(document, "MsgId");
        return msgType switch
        {
            "text" => new TextMessage(to, from, createTime, msgId, document.GetRequired("Content")),
            "image" => new ImageMessage(to, from, createTime, msgId, document.GetRequired("PicUrl"), document.GetRequired("MediaId")),
            "voice" => new VoiceMessage(
                to, from, createTime, msgId, document.GetRequired("MediaId"), document.GetRequired("Format"), Optional(document, "Recognition")),
            "video" or "shortvideo" => new VideoMessage(
                to, from, createTime, msgId, document.GetRequired("MediaId"), document.GetRequired("ThumbMediaId"), msgType == "shortvideo"),
            "location" => new LocationMessage(
                to,
                from,
                createTime,
                msgId,
                ParseDouble(document, "Location_X"),
                ParseDouble(document, "Location_Y"),
                ParseInt32(document, "Scale"),
                document.GetRequired("Label")),
            "link" => new LinkMessage(
                to, from, createTime, msgId, document.GetRequired("Title"), document.GetRequired("Description"), document.GetRequired("Url")),
            _ => new UnknownMessage(to, from, createTime, msgId, msgType),
        };
    }

    private static WeChatEvent EventFrom(WeChatXmlDocument document, string to, string from, long createTime)
    {
        // WeChat sends "subscribe" in lower case but "SCAN"/"CLICK" in upper case; don't depend on either.
        string name = document.GetRequired("Event");
        return name.ToUpperInvariant() switch
        {
            "SUBSCRIBE" => new SubscribeEvent(to, from, createTime, Optional(document, "EventKey"), Optional(document, "Ticket")),
            "UNSUBSCRIBE" => new UnsubscribeEvent(to, from, createTime),
            "SCAN" => new ScanEvent(to, from, createTime, document.GetRequired("EventKey"), document.GetRequired("Ticket")),
            "LOCATION" => new LocationEvent(
                to, from, createTime, ParseDouble(document, "Latitude"), ParseDouble(document, "Longitude"), ParseDouble(document, "Precision")),
            "CLICK" => new ClickEvent(to, from, createTime, document.GetRequired("EventKey")),
            "VIEW" => new ViewEvent(to, from, createTime, document.GetRequired("EventKey")),
            _ => new UnknownEvent(to, from, createTime, name),
        };
    }

    // WeChat sends empty elements (e.g. <EventKey><![CDATA[]]></EventKey>) where a value does not apply.
    private static string? Optional(WeChatXmlDocument document, string name) =>
        document.Get(name) is { Length: > 0 } value ? value : null;

    private static long ParseInt64(WeChatXmlDocument document, string name) =>
        long.TryParse(document.GetRequired(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw NotANumber(name);

    private static int ParseInt32(WeChatXmlDocument document, string name) =>
        int.TryParse(document.GetRequired(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw NotANumber(name);

    private static double ParseDouble(WeChatXmlDocument document, string name) =>
        double.TryParse(document.GetRequired(name), NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw NotANumber(name);

    private static WeChatProtocolException NotANumber(string name) => new($"Element <{name}> is not a valid number.");
}
