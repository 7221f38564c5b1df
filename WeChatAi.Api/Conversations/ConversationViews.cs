using System.Text.Json;
using System.Text.Json.Serialization;
using WeChatAi.Core.Data;
using WeChatAi.Core.Data.Knowledge;

namespace WeChatAi.Api.Conversations;

/// <summary>A user in the console's list: who, since when, how much they asked, what they have left.</summary>
internal sealed record UserListItem(
    string OpenId,
    string? Nickname,
    bool Subscribed,
    bool Blocked,
    string? BlockedReason,
    DateTimeOffset FirstSeenAt,
    DateTimeOffset LastSeenAt,
    int Exchanges,
    int CreditBalance,
    string? LastQuestion);

/// <param name="NextBefore">Pass as <c>before</c> for the next page (<c>{lastSeenAt ticks}:{openId}</c>); null on the last page.</param>
internal sealed record UserPage(IReadOnlyList<UserListItem> Items, string? NextBefore);

internal sealed record UserView(
    string OpenId,
    string? Nickname,
    bool Subscribed,
    bool Blocked,
    string? BlockedReason,
    DateTimeOffset? BlockedAt,
    DateTimeOffset FirstSeenAt,
    DateTimeOffset LastSeenAt,
    int CreditBalance,
    int FreeUsedToday);

internal sealed record SafetySpan(int Start, int Length);

internal sealed record SafetyView(string Direction, string Source, string Rule, SafetySpan? Span, DateTimeOffset At)
{
    public static SafetyView From(SafetyDecision d) => new(
        Camel(d.Direction.ToString()),
        Camel(d.Source.ToString()),
        d.Rule,
        d.SpanStart is { } start && d.SpanLength is { } length ? new SafetySpan(start, length) : null,
        d.DecidedAt);

    public static string Camel(string name) => JsonNamingPolicy.CamelCase.ConvertName(name);
}

/// <param name="Kind"><c>text</c>, <c>image</c>, <c>voice</c> (the question is its transcription) or <c>notice</c> (the app's own
/// message, e.g. "充值成功": no question was asked).</param>
/// <param name="Charge"><c>free</c>, <c>credit</c>, or null when the question cost nothing.</param>
internal sealed record ExchangeView(
    long Id,
    string JobId,
    string Kind,
    string? Charge,
    string Question,
    string? Answer,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? AnsweredAt,
    int LatencyMs,
    int PromptTokens,
    int CompletionTokens,
    int Attempts,
    string Outcome,
    string? Error,
    string? Blocked,
    IReadOnlyList<SafetyView> Safety,
    AnswerKnowledgeView? Knowledge)
{
    public static ExchangeView From(ChatExchange e) => new(
        e.Id, e.JobId, KindOf(e), ChargeOf(e.Charge), e.Question, e.Answer, e.ReceivedAt, e.AnsweredAt, e.LatencyMs, e.PromptTokens, e.CompletionTokens, e.Attempts,
        SafetyView.Camel(e.Outcome.ToString()), e.Error, e.Blocked is { } b ? SafetyView.Camel(b.ToString()) : null,
        [.. e.SafetyDecisions.OrderBy(d => d.Direction).Select(SafetyView.From)],
        e.Knowledge is { } k ? new AnswerKnowledgeView(k.Cites, k.Missed, k.Passages) : null);

    // A notice job's MsgId is negative (AiJob.Notice): the last part of its JobId.
    private static string KindOf(ChatExchange e) =>
        e.JobId.AsSpan(e.JobId.LastIndexOf(':') + 1).StartsWith("-", StringComparison.Ordinal) ? "notice" : e.Media ?? "text";

    private static string? ChargeOf(string? charge) => charge switch
    {
        null or "" => null,
        "c" => "credit",
        _ => "free",
    };
}

/// <summary>
/// What the knowledge base gave an answer: the passages sent to the LLM (chunk, source, BM25 score, match 0–1), whether
/// the answer cited their sources, and whether the question was a miss (none past the bar, or not covered by them).
/// </summary>
internal sealed record AnswerKnowledgeView(bool Cited, bool Missed, IReadOnlyList<ExchangePassage> Passages);

internal sealed record ExchangePage(IReadOnlyList<ExchangeView> Items, long? NextBefore);

internal sealed record BalanceView(int Balance);

internal sealed record BlockBody(string? Reason);

internal sealed record CreditsBody(int? Credits, int? ValidityDays, string? Note);

internal sealed record NicknameBody(string? Nickname);

// The operator's request bodies.
[JsonSerializable(typeof(BlockBody))]
[JsonSerializable(typeof(CreditsBody))]
[JsonSerializable(typeof(NicknameBody))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class ConversationJson : JsonSerializerContext;
