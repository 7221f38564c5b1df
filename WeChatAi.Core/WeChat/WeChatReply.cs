using System.Globalization;
using System.Text;

namespace WeChatAi.Core.WeChat;

/// <summary>Passive replies written in the HTTP response to a WeChat push.</summary>
public static class WeChatReply
{
    /// <summary>Acknowledges a push without replying; WeChat stops retrying and shows the user nothing.</summary>
    public const string Success = "success";

    /// <param name="toUser">The user's OpenID (the inbound FromUserName).</param>
    /// <param name="fromUser">The official account id (the inbound ToUserName).</param>
    public static string Text(string toUser, string fromUser, long createTime, string content)
    {
        ArgumentException.ThrowIfNullOrEmpty(toUser);
        ArgumentException.ThrowIfNullOrEmpty(fromUser);
        ArgumentNullException.ThrowIfNull(content);

        return new StringBuilder(160 + content.Length)
            .Append("<xml><ToUserName>").AppendCData(toUser)
            .Append("</ToUserName><FromUserName>").AppendCData(fromUser)
            .Append("</FromUserName><CreateTime>").Append(createTime.ToString(CultureInfo.InvariantCulture))
            .Append("</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>").AppendCData(content)
            .Append("</Content></xml>")
            .ToString();
    }

    /// <summary>
    /// Hands the user to WeChat's customer-service system (客服): the message and the user's next ones go to the
    /// account's agents in WeChat's own tools, not to this server.
    /// </summary>
    public static string TransferCustomerService(string toUser, string fromUser, long createTime)
    {
        ArgumentException.ThrowIfNullOrEmpty(toUser);
        ArgumentException.ThrowIfNullOrEmpty(fromUser);
        return new StringBuilder(160)
            .Append("<xml><ToUserName>").AppendCData(toUser)
            .Append("</ToUserName><FromUserName>").AppendCData(fromUser)
            .Append("</FromUserName><CreateTime>").Append(createTime.ToString(CultureInfo.InvariantCulture))
            .Append("</CreateTime><MsgType><![CDATA[transfer_customer_service]]></MsgType></xml>")
            .ToString();
    }
}
