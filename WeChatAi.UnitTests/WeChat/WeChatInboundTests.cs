using WeChatAi.Core.WeChat;
using Xunit;

namespace WeChatAi.UnitTests.WeChat;

public sealed class WeChatInboundTests
{
    private const string Account = "gh_3f2a9c1b7d4e";
    private const string User = "oVq3x5KcR8mT2bLpZ9wYhN1aE4s0";

    private static WeChatInbound Parse(string xml) => WeChatInbound.From(WeChatXml.Parse(xml));

    private static string Message(string msgType, string body) => $"""
        <xml>
          <ToUserName><![CDATA[{Account}]]></ToUserName>
          <FromUserName><![CDATA[{User}]]></FromUserName>
          <CreateTime>1714037059</CreateTime>
          <MsgType><![CDATA[{msgType}]]></MsgType>
          {body}
          <MsgId>24536289173482950</MsgId>
        </xml>
        """;

    private static string Event(string eventName, string body = "") => $"""
        <xml>
          <ToUserName><![CDATA[{Account}]]></ToUserName>
          <FromUserName><![CDATA[{User}]]></FromUserName>
          <CreateTime>1714037059</CreateTime>
          <MsgType><![CDATA[event]]></MsgType>
          <Event><![CDATA[{eventName}]]></Event>
          {body}
        </xml>
        """;

    [Fact]
    public void Text()
    {
        var message = Assert.IsType<TextMessage>(Parse(Message("text", "<Content><![CDATA[你好，帮我写首诗]]></Content>")));

        Assert.Equal(new TextMessage(Account, User, 1714037059, 24536289173482950, "你好，帮我写首诗"), message);
        Assert.Equal($"{User}:24536289173482950", message.DedupKey);
    }

    [Fact]
    public void Image()
    {
        var message = Assert.IsType<ImageMessage>(Parse(Message("image", """
            <PicUrl><![CDATA[http://mmbiz.qpic.cn/mmbiz_jpg/abc/0]]></PicUrl>
            <MediaId><![CDATA[Jn2GZy8rvEk7hDlQjGuV3bkT8qpL0F_Fd6HkE0pOH0u1]]></MediaId>
            """)));

        Assert.Equal("http://mmbiz.qpic.cn/mmbiz_jpg/abc/0", message.PicUrl);
        Assert.Equal("Jn2GZy8rvEk7hDlQjGuV3bkT8qpL0F_Fd6HkE0pOH0u1", message.MediaId);
        Assert.Equal(24536289173482950, message.MsgId);
    }

    [Theory]
    [InlineData("<Recognition><![CDATA[今天天气怎么样]]></Recognition>", "今天天气怎么样")]
    [InlineData("<Recognition><![CDATA[]]></Recognition>", null)]
    [InlineData("", null)]
    public void Voice(string recognition, string? expected)
    {
        var message = Assert.IsType<VoiceMessage>(Parse(Message("voice", $"""
            <MediaId><![CDATA[voice_media_id]]></MediaId>
            <Format><![CDATA[amr]]></Format>
            {recognition}
            """)));

        Assert.Equal("voice_media_id", message.MediaId);
        Assert.Equal("amr", message.Format);
        Assert.Equal(expected, message.Recognition);
    }

    [Theory]
    [InlineData("video", false)]
    [InlineData("shortvideo", true)]
    public void Video(string msgType, bool isShort)
    {
        var message = Assert.IsType<VideoMessage>(Parse(Message(msgType, """
            <MediaId><![CDATA[video_media_id]]></MediaId>
            <ThumbMediaId><![CDATA[thumb_media_id]]></ThumbMediaId>
            """)));

        Assert.Equal("video_media_id", message.MediaId);
        Assert.Equal("thumb_media_id", message.ThumbMediaId);
        Assert.Equal(isShort, message.IsShortVideo);
    }

    [Fact]
    public void Location()
    {
        var message = Assert.IsType<LocationMessage>(Parse(Message("location", """
            <Location_X>23.134521</Location_X>
            <Location_Y>113.358803</Location_Y>
            <Scale>20</Scale>
            <Label><![CDATA[广州市天河区]]></Label>
            """)));

        Assert.Equal(23.134521, message.Latitude);
        Assert.Equal(113.358803, message.Longitude);
        Assert.Equal(20, message.Scale);
        Assert.Equal("广州市天河区", message.Label);
    }

    [Fact]
    public void Link()
    {
        var message = Assert.IsType<LinkMessage>(Parse(Message("link", """
            <Title><![CDATA[公众平台官网链接]]></Title>
            <Description><![CDATA[公众平台官网链接]]></Description>
            <Url><![CDATA[https://mp.weixin.qq.com/]]></Url>
            """)));

        Assert.Equal("公众平台官网链接", message.Title);
        Assert.Equal("公众平台官网链接", message.Description);
        Assert.Equal("https://mp.weixin.qq.com/", message.Url);
    }

    [Fact]
    public void UnknownMsgTypeIsKeptNotRejected()
    {
        var message = Assert.IsType<UnknownMessage>(Parse(Message("miniprogrampage", "<Title><![CDATA[小程序]]></Title>")));

        Assert.Equal("miniprogrampage", message.MsgType);
        Assert.Equal($"{User}:24536289173482950", message.DedupKey);
    }

    [Fact]
    public void SubscribeWithoutScene()
    {
        var e = Assert.IsType<SubscribeEvent>(Parse(Event("subscribe", "<EventKey><![CDATA[]]></EventKey>")));

        Assert.Null(e.EventKey);
        Assert.Null(e.SceneId);
        Assert.Null(e.Ticket);
        Assert.Equal($"{User}:1714037059:subscribe", e.DedupKey);
    }

    [Fact]
    public void SubscribeFromAQrCodeExposesTheScene()
    {
        var e = Assert.IsType<SubscribeEvent>(Parse(Event("subscribe", """
            <EventKey><![CDATA[qrscene_123]]></EventKey>
            <Ticket><![CDATA[gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2tqdQ==]]></Ticket>
            """)));

        Assert.Equal("qrscene_123", e.EventKey);
        Assert.Equal("123", e.SceneId);
        Assert.Equal("gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2tqdQ==", e.Ticket);
    }

    [Fact]
    public void Unsubscribe()
    {
        var e = Assert.IsType<UnsubscribeEvent>(Parse(Event("unsubscribe", "<EventKey><![CDATA[]]></EventKey>")));

        Assert.Equal(new UnsubscribeEvent(Account, User, 1714037059), e);
        Assert.Equal($"{User}:1714037059:unsubscribe", e.DedupKey);
    }

    [Fact]
    public void Scan()
    {
        var e = Assert.IsType<ScanEvent>(Parse(Event("SCAN", """
            <EventKey><![CDATA[123]]></EventKey>
            <Ticket><![CDATA[TICKET]]></Ticket>
            """)));

        Assert.Equal("123", e.EventKey);
        Assert.Equal("TICKET", e.Ticket);
        Assert.Equal($"{User}:1714037059:SCAN", e.DedupKey);
    }

    [Fact]
    public void LocationReportEvent()
    {
        var e = Assert.IsType<LocationEvent>(Parse(Event("LOCATION", """
            <Latitude>23.137466</Latitude>
            <Longitude>113.352425</Longitude>
            <Precision>119.385040</Precision>
            """)));

        Assert.Equal(23.137466, e.Latitude);
        Assert.Equal(113.352425, e.Longitude);
        Assert.Equal(119.38504, e.Precision);
    }

    [Fact]
    public void Click()
    {
        var e = Assert.IsType<ClickEvent>(Parse(Event("CLICK", "<EventKey><![CDATA[V1001_TODAY_MUSIC]]></EventKey>")));

        Assert.Equal("V1001_TODAY_MUSIC", e.EventKey);
    }

    [Fact]
    public void View()
    {
        var e = Assert.IsType<ViewEvent>(Parse(Event("VIEW", """
            <EventKey><![CDATA[https://www.qq.com/]]></EventKey>
            <MenuId>415</MenuId>
            """)));

        Assert.Equal("https://www.qq.com/", e.EventKey);
    }

    [Fact]
    public void EventNamesAreMatchedCaseInsensitively()
    {
        Assert.IsType<ClickEvent>(Parse(Event("click", "<EventKey>K</EventKey>")));
    }

    [Fact]
    public void UnknownEventIsKeptNotRejected()
    {
        var e = Assert.IsType<UnknownEvent>(Parse(Event("TEMPLATESENDJOBFINISH", "<MsgID>200163836</MsgID><Status><![CDATA[success]]></Status>")));

        Assert.Equal("TEMPLATESENDJOBFINISH", e.Event);
        Assert.Equal($"{User}:1714037059:TEMPLATESENDJOBFINISH", e.DedupKey);
    }

    [Theory]
    [InlineData("<MsgId>24536289173482950</MsgId>", "<MsgId>")]
    [InlineData("<Content><![CDATA[hi]]></Content>", "<Content>")]
    [InlineData($"<FromUserName><![CDATA[{User}]]></FromUserName>", "<FromUserName>")]
    [InlineData($"<ToUserName><![CDATA[{Account}]]></ToUserName>", "<ToUserName>")]
    [InlineData("<MsgType><![CDATA[text]]></MsgType>", "<MsgType>")]
    public void MissingRequiredElementIsNamed(string removed, string name)
    {
        string xml = Message("text", "<Content><![CDATA[hi]]></Content>").Replace(removed, "", StringComparison.Ordinal);

        var ex = Assert.Throws<WeChatProtocolException>(() => Parse(xml));
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EventWithoutEventNameIsRejected()
    {
        string xml = Event("CLICK").Replace("<Event><![CDATA[CLICK]]></Event>", "", StringComparison.Ordinal);

        var ex = Assert.Throws<WeChatProtocolException>(() => Parse(xml));
        Assert.Contains("<Event>", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonNumericMsgIdIsRejected()
    {
        string xml = Message("text", "<Content>hi</Content>").Replace("24536289173482950", "abc", StringComparison.Ordinal);

        var ex = Assert.Throws<WeChatProtocolException>(() => Parse(xml));
        Assert.Contains("<MsgId>", ex.Message, StringComparison.Ordinal);
    }
}
