namespace WeChatAi.Core.Knowledge;

/// <summary>The knowledge base's one Redis key.</summary>
public static class KnowledgeKeys
{
    /// <summary>Counter: increased after every change of a source or its chunks; each replica reloads its index when it moves.</summary>
    public const string Version = "wechatai:knowledge:version";
}
