namespace WeChatAi.Core.Knowledge;

/// <summary>The knowledge base's Redis keys.</summary>
public static class KnowledgeKeys
{
    /// <summary>Counter: increased after every change of a source or its chunks; each replica reloads its index when it moves.</summary>
    public const string Version = "wechatai:knowledge:version";

    /// <summary>
    /// Hash: the article sync's last run (<see cref="ArticleSyncFields"/>): the API queues one, the worker claims it
    /// (state queued → running, a transaction on this key alone) and writes its result.
    /// </summary>
    public const string ArticleSync = "wechatai:knowledge:article-sync";
}
