namespace WeChatAi.Core.Knowledge;

/// <summary>The fields of <see cref="KnowledgeKeys.ArticleSync"/>, and its states.</summary>
public static class ArticleSyncFields
{
    public const string State = "state";
    public const string RequestedAt = "requestedAt";
    public const string StartedAt = "startedAt";
    public const string FinishedAt = "finishedAt";
    public const string Articles = "articles";
    public const string Created = "created";
    public const string Updated = "updated";
    public const string Removed = "removed";
    public const string Error = "error";

    /// <summary>The running sync's mark (its start): set while a worker runs it, so a run queued meanwhile waits for it.</summary>
    public const string RunningSince = "runningSince";

    public const string Queued = "queued";
    public const string Running = "running";
    public const string Done = "done";
    public const string Failed = "failed";
}
