namespace WeChatAi.Core.Replies;

/// <summary>What the user sees while the answer is computed in push mode (<c>WeChat:AckMode</c>).</summary>
public enum AckMode
{
    /// <summary>The webhook's passive reply <c>WeChat:AckText</c> ("正在思考中...").</summary>
    Text,

    /// <summary>WeChat's "对方正在输入" from the customer-service typing API, and no passive text.</summary>
    Typing,

    /// <summary>Both.</summary>
    Both,
}
