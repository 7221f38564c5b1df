namespace WeChatAi.Admin.Api;

/// <summary><c>GET /api/admin/dead-letters</c> (oldest first, paged with <c>after</c>).</summary>
public sealed record DeadLetterPage(IReadOnlyList<DeadLetter> DeadLetters, string? Next);

/// <param name="Job">Null when the entry holds no valid job (<paramref name="JobError"/>); it can only be discarded.</param>
public sealed record DeadLetter(
    string Id,
    string? Reason,
    int? Attempts,
    DateTimeOffset? DeadAt,
    string? SourceId,
    DeadJob? Job,
    string? JobError,
    string? Answer,
    IReadOnlyList<string> TakenOverParts);

public sealed record DeadJob(string JobId, string AppId, string OpenId, long MsgId, string Content, DateTimeOffset ReceivedAt);

public sealed record RetriedDeadLetter(string Id, string JobId, string EntryId);

public sealed record RetryAllResult(int Retried, IReadOnlyList<SkippedDeadLetter> Skipped);

public sealed record SkippedDeadLetter(string Id, string Reason);
