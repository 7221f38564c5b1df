namespace WeChatAi.Core.WeChat;

/// <summary>An inbound WeChat payload that cannot be trusted or understood: bad XML, bad ciphertext, missing fields.</summary>
public sealed class WeChatProtocolException : Exception
{
    public WeChatProtocolException()
    {
    }

    public WeChatProtocolException(string message)
        : base(message)
    {
    }

    public WeChatProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
