namespace WeChatAi.Core.Replies;

/// <summary>How answers reach the user (<c>WeChat:ReplyMode</c>, read by the API and the worker).</summary>
public enum ReplyMode
{
    /// <summary>Acknowledge at once; the worker pushes the answer through the customer-service message API.</summary>
    Push,

    /// <summary>
    /// For accounts without customer-service permission: WeChat's request is held (up to 4.5 s per attempt, three
    /// attempts) until the worker's answer is ready, and the answer is the passive reply.
    /// </summary>
    Passive,
}
