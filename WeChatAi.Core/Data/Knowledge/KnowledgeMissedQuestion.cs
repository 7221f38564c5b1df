namespace WeChatAi.Core.Data.Knowledge;

/// <summary>
/// A question the knowledge base could not answer (<c>knowledge_missed_questions</c>): written with its exchange by the
/// worker, deleted with it by the retention purge, and marked answered when an operator turns its group into an FAQ.
/// </summary>
public sealed class KnowledgeMissedQuestion
{
    public long Id { get; set; }

    /// <summary>The exchange it was asked in (one row at most per exchange).</summary>
    public long ExchangeId { get; set; }

    public required string AppId { get; set; }

    public required string Question { get; set; }

    public DateTimeOffset AskedAt { get; set; }

    /// <summary>The FAQ source an operator answered it with; null while it waits.</summary>
    public long? AnsweredSourceId { get; set; }

    public DateTimeOffset? AnsweredAt { get; set; }
}
