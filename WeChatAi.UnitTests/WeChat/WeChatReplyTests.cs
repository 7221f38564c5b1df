using WeChatAi.Core.WeChat;
using Xunit;

namespace WeChatAi.UnitTests.WeChat;

public sealed class WeChatReplyTests
{
    [Fact]
    public void TextReplyHasThePassiveReplyShape()
    {
        string xml = WeChatReply.Text("oUser", "gh_account", 1714037059, "你好");

        Assert.Equal(
            "<xml><ToUserName><![CDATA[oUser]]></ToUserName><FromUserName><![CDATA[gh_account]]></FromUserName>"
            + "<CreateTime>1714037059</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content></xml>",
            xml);
    }

    [Fact]
    public void CdataTerminatorInContentIsSplit()
    {
        string xml = WeChatReply.Text("oUser", "gh_account", 1, "a]]>b");

        Assert.Contains("<Content><![CDATA[a]]]]><![CDATA[>b]]></Content>", xml, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a]]>b")]
    [InlineData("]]>")]
    [InlineData("]]>]]>")]
    [InlineData("]]]>>")]
    [InlineData("x]]></Content><MsgType><![CDATA[news]]></MsgType><Content><![CDATA[y")]
    [InlineData("")]
    public void ContentRoundTripsThroughTheParser(string content)
    {
        var document = WeChatXml.Parse(WeChatReply.Text("oUser", "gh_account", 1, content));

        Assert.Equal(content, document.Get("Content"));
        Assert.Equal("text", document.Get("MsgType"));
    }

    [Fact]
    public void SuccessIsTheLiteralAcknowledgement()
    {
        Assert.Equal("success", WeChatReply.Success);
    }
}
