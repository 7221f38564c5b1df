using System.Text;
using WeChatAi.Core.WeChat;
using WeChatAi.Tests.WeChat;
using Xunit;

namespace WeChatAi.UnitTests.WeChat;

public sealed class WeChatXmlTests
{
    [Theory]
    [InlineData(HostileXml.Xxe)]
    [InlineData(HostileXml.BillionLaughs)]
    [InlineData("<!DOCTYPE xml><xml><MsgType>text</MsgType></xml>")]
    public void AnyDTDIsRejected(string xml)
    {
        var fromString = Assert.Throws<WeChatProtocolException>(() => WeChatXml.Parse(xml));
        var fromBytes = Assert.Throws<WeChatProtocolException>(() => WeChatXml.Parse(Encoding.UTF8.GetBytes(xml)));

        Assert.Equal("XML with a DTD is not accepted.", fromString.Message);
        Assert.Equal("XML with a DTD is not accepted.", fromBytes.Message);
    }

    [Theory]
    [InlineData("<xml><ToUserName>a</xml>")]
    [InlineData("<xml><dtd></xml>")]
    [InlineData("<xml>")]
    [InlineData("")]
    [InlineData("success")]
    [InlineData("<xml></xml><xml></xml>")]
    public void MalformedXmlIsRejectedWithTheReason(string xml)
    {
        var ex = Assert.Throws<WeChatProtocolException>(() => WeChatXml.Parse(xml));

        Assert.StartsWith("Malformed XML: ", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Length > "Malformed XML: ".Length);
    }

    [Fact]
    public void RootMustBeXml()
    {
        var ex = Assert.Throws<WeChatProtocolException>(() => WeChatXml.Parse("<root><MsgType>text</MsgType></root>"));

        Assert.Contains("<root>", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadsCdataTextAndPredefinedEntities()
    {
        var document = WeChatXml.Parse("""
            <xml>
              <ToUserName><![CDATA[gh_123]]></ToUserName>
              <CreateTime>1348831860</CreateTime>
              <Content>a &amp; b &lt;c&gt;</Content>
              <Empty/>
              <Blank></Blank>
            </xml>
            """);

        Assert.Equal("gh_123", document.Get("ToUserName"));
        Assert.Equal("1348831860", document.Get("CreateTime"));
        Assert.Equal("a & b <c>", document.Get("Content"));
        Assert.Equal("", document.Get("Empty"));
        Assert.Equal("", document.Get("Blank"));
        Assert.Null(document.Get("Missing"));
    }

    [Fact]
    public void PredefinedEntitiesAreNotCountedAgainstTheEntityLimit()
    {
        string content = string.Concat(Enumerable.Repeat("&amp;", 5000));

        var document = WeChatXml.Parse($"<xml><Content>{content}</Content></xml>");

        Assert.Equal(new string('&', 5000), document.Get("Content"));
    }

    [Fact]
    public void OversizedDocumentIsRejected()
    {
        string xml = $"<xml><Content>{new string('a', 2 << 20)}</Content></xml>";

        Assert.Throws<WeChatProtocolException>(() => WeChatXml.Parse(xml));
    }

    [Fact]
    public void FlattensNestedElementsByTheirOwnNames()
    {
        var document = WeChatXml.Parse("""
            <xml><ToUserName><![CDATA[gh_e136c6e50636]]></ToUserName>
            <FromUserName><![CDATA[oMgHVjngRipVsoxg6TuX3vz6glDg]]></FromUserName>
            <CreateTime>1408090502</CreateTime>
            <MsgType><![CDATA[event]]></MsgType>
            <Event><![CDATA[scancode_push]]></Event>
            <EventKey><![CDATA[6]]></EventKey>
            <ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType>
            <ScanResult><![CDATA[1]]></ScanResult>
            </ScanCodeInfo>
            </xml>
            """);

        Assert.Equal("qrcode", document.Get("ScanType"));
        Assert.Equal("1", document.Get("ScanResult"));
        Assert.Equal("6", document.Get("EventKey"));
        Assert.Null(document.Get("ScanCodeInfo"));
    }

    [Fact]
    public void FirstOccurrenceOfARepeatedElementWins()
    {
        var document = WeChatXml.Parse("<xml><FromUserName>first</FromUserName><FromUserName>second</FromUserName></xml>");

        Assert.Equal("first", document.Get("FromUserName"));
    }

    [Fact]
    public void ParsesAStream()
    {
        using var stream = new MemoryStream("<xml><MsgType><![CDATA[文本]]></MsgType></xml>"u8.ToArray());

        Assert.Equal("文本", WeChatXml.Parse(stream).Get("MsgType"));
    }

    [Fact]
    public void ReadsTheSafeModeEnvelope()
    {
        var document = WeChatXml.Parse("""
            <xml>
                <ToUserName><![CDATA[gh_b1eb3f8bd6c6]]></ToUserName>
                <Encrypt><![CDATA[DlCGq+lWQuyjNNK+vDaO0zUltpdUW3u4V00WCzsdNzmZGEhrU7TPxG52viOKCWYPwTMbCzgbCtakZHyNxr5hjoZJ7ORAUYoIAGQy/LDWtAnYgDO+ppKLp0rDq+67Dv3yt+vatMQTh99NII6x9SEGpY3O2h8RpG99+NYevQiOLVKqiQYzan21sX/jE4Q3wZaVudsLwHrtSIeoqzHjm0i6sTEJKqo5mBmkh6hz0Sx7pVmhLg==]]></Encrypt>
            </xml>
            """);

        Assert.StartsWith("DlCGq+lWQuyj", document.GetEncrypt(), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingEncryptIsReportedByName()
    {
        var document = WeChatXml.Parse("<xml><ToUserName>gh</ToUserName></xml>");

        var ex = Assert.Throws<WeChatProtocolException>(document.GetEncrypt);
        Assert.Contains("<Encrypt>", ex.Message, StringComparison.Ordinal);
    }
}
