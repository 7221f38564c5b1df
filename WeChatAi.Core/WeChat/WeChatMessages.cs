using System.Globalization;

namespace WeChatAi.Core.WeChat;

/// <summary>A user message; WeChat retries it with the same MsgId.</summary>
public abstract record WeChatMessage(string ToUserName, string FromUserName, long CreateTime, long MsgId)
    : WeChatInbound(ToUserName, FromUserName, CreateTime)
{
    public override string DedupKey => string.Create(CultureInfo.InvariantCulture, $"{FromUserName}:{MsgId}");
}

public sealed record TextMessage(string ToUserName, string FromUserName, long CreateTime, long MsgId, string Content)
    : WeChatMessage(ToUserName, FromUserName, CreateTime, MsgId);

public sealed record ImageMessage(string ToUserName, string FromUserName, long CreateTime, long MsgId, string PicUrl, string MediaId)
    : WeChatMessage(ToUserName, FromUserName, CreateTime, MsgId);

/// <param name="Recognition">Speech-to-text, present only when recognition is enabled for the account.</param>
public sealed record VoiceMessage(
    string ToUserName, string FromUserName, long CreateTime, long MsgId, string MediaId, string Format, string? Recognition)
    : WeChatMessage(ToUserName, FromUserName, CreateTime, MsgId);

/// <param name="IsShortVideo">True for MsgType <c>shortvideo</c>, false for <c>video</c>.</param>
public sealed record VideoMessage(
    string ToUserName, string FromUserName, long CreateTime, long MsgId, string MediaId, string ThumbMediaId, bool IsShortVideo)
    : WeChatMessage(ToUserName, FromUserName, CreateTime, MsgId);

/// <param name="Latitude">From Location_X.</param>
/// <param name="Longitude">From Location_Y.</param>
public sealed record LocationMessage(
    string ToUserName, string FromUserName, long CreateTime, long MsgId, double Latitude, double Longitude, int Scale, string Label)
    : WeChatMessage(ToUserName, FromUserName, CreateTime, MsgId);

public sealed record LinkMessage(
    string ToUserName, string FromUserName, long CreateTime, long MsgId, string Title, string Description, string Url)
    : WeChatMessage(ToUserName, FromUserName, CreateTime, MsgId);

/// <summary>A MsgType this code does not model yet.</summary>
public sealed record UnknownMessage(string ToUserName, string FromUserName, long CreateTime, long MsgId, string MsgType)
    : WeChatMessage(ToUserName, FromUserName, CreateTime, MsgId);
