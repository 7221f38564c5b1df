using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using WeChatAi.Api.Admin;
using WeChatAi.Core.Data.Knowledge;
using WeChatAi.Core.Knowledge;

namespace WeChatAi.Api.Knowledge;

/// <summary>The body of POST and PUT <c>/sources</c>: <c>title</c> and <c>text</c> (plain or Markdown), or an FAQ's <c>question</c> and <c>answer</c>.</summary>
internal sealed record KnowledgeSourceRequest(string? Title, string? Text, string? Question, string? Answer);

/// <summary>A source as POST and PUT give it, checked; <see cref="Hash"/> tells an unchanged one.</summary>
internal sealed partial record KnowledgeSourceInput(KnowledgeSourceKind Kind, string Title, string Content)
{
    /// <summary>The most a source's JSON body may be (the text inside it somewhat less): a long article, not a book.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    /// <summary>An FAQ's answer: one passage, so about what a reply holds.</summary>
    public const int MaxAnswerChars = 4000;

    private const string Shape = "a JSON object with title and text, or with question and answer";

    public string Hash { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{Kind}\n{Title}\n{Content}")));

    /// <summary>The source the body describes, or the 400 naming what is wrong.</summary>
    public static async Task<(KnowledgeSourceInput? Input, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        var (body, problem) = await AdminRequests.ReadJsonAsync(request, KnowledgeJson.Default.KnowledgeSourceRequest, Shape, ct);
        if (body is null)
        {
            return (null, problem);
        }

        var document = body.Title is not null || body.Text is not null;
        var faq = body.Question is not null || body.Answer is not null;
        if (document == faq)
        {
            return (null, AdminRequests.BadRequest($"The body must be {Shape}, not both and not neither."));
        }

        return faq ? Faq(body.Question, body.Answer) : Document(body.Title, body.Text);
    }

    private static (KnowledgeSourceInput?, ProblemHttpResult?) Document(string? title, string? text)
    {
        if (TitleProblem("title", title) is { } problem)
        {
            return (null, problem);
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, AdminRequests.BadRequest("text must be non-empty (plain text or Markdown)."));
        }

        var kind = MarkdownHeading().IsMatch(text) ? KnowledgeSourceKind.Markdown : KnowledgeSourceKind.Text;
        return (new KnowledgeSourceInput(kind, title!.Trim(), text), null);
    }

    public static (KnowledgeSourceInput?, ProblemHttpResult?) Faq(string? question, string? answer)
    {
        if (TitleProblem("question", question) is { } problem)
        {
            return (null, problem);
        }

        if (string.IsNullOrWhiteSpace(answer) || answer.Length > MaxAnswerChars)
        {
            return (null, AdminRequests.BadRequest($"answer must be 1 to {MaxAnswerChars} characters (not only spaces)."));
        }

        return (new KnowledgeSourceInput(KnowledgeSourceKind.Faq, question!.Trim(), answer.Trim()), null);
    }

    private static ProblemHttpResult? TitleProblem(string name, string? value) =>
        string.IsNullOrWhiteSpace(value) || value.Trim().Length > KnowledgeSource.MaxTitle || value.Any(char.IsControl)
            ? AdminRequests.BadRequest($"{name} must be 1 to {KnowledgeSource.MaxTitle} characters on one line (not only spaces).")
            : null;

    public void ApplyTo(KnowledgeSource source, DateTimeOffset now)
    {
        source.Kind = Kind;
        source.Title = Title;
        source.Content = Content;
        source.ContentHash = Hash;
        source.State = KnowledgeSourceState.Queued;
        source.Error = null;
        source.ProcessingSince = null;
        source.UpdatedAt = now;
    }

    [GeneratedRegex(@"^ {0,3}#{1,6}[ \t]+\S", RegexOptions.Multiline)]
    private static partial Regex MarkdownHeading();
}

/// <summary>The body of POST <c>/search</c>: a question as a user would ask it, and how many passages (1–20, default 5).</summary>
internal sealed record KnowledgeSearchRequest(string? Query, int? Top)
{
    public const int MaxQueryChars = 500;
    public const int MaxTop = 20;
    public const int DefaultTop = 5;
}

/// <summary>What POST and PUT answer: the source's id and state (queued until the worker has indexed it).</summary>
internal sealed record KnowledgeSourceAccepted(long Id, string State);

/// <summary>A source as the API shows it; <c>EmbeddingModel</c> is the model its chunks' vectors came from, null while it has none (keyword ranking only).</summary>
internal sealed record KnowledgeSourceView(
    long Id, string Kind, string Title, string? Url, string State, int Chunks, string? Error, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? EmbeddingModel)
{
    public static KnowledgeSourceView From(KnowledgeSource s) =>
        new(s.Id, Name(s.Kind), s.Title, s.Url, Name(s.State), s.ChunkCount, s.Error, s.CreatedAt, s.UpdatedAt, s.EmbeddingModel);

    public static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}

internal sealed record KnowledgeSourcePage(IReadOnlyList<KnowledgeSourceView> Items, long? NextBefore);

/// <summary>
/// A passage found: its source, the section heading, the text and the score that ordered it (higher is better; not
/// comparable across questions): BM25 by keywords alone, the fused score with vectors, the reranker's relevance with
/// one. So an operator sees why, each ranking's own rank and score (null where it did not find the passage or did not run).
/// </summary>
internal sealed record KnowledgeSearchResult(
    long SourceId, long ChunkId, string Title, string? Heading, string Text, double Score,
    int? KeywordRank, double? KeywordScore, int? VectorRank, double? VectorScore, int? FusedRank, double? FusedScore, double? RerankScore)
{
    public static KnowledgeSearchResult From(RankedPassage r) => new(
        r.Passage.SourceId, r.Passage.ChunkId, r.Passage.Title, r.Passage.Heading, r.Passage.Text, Round(r.Score),
        r.KeywordRank, Round(r.KeywordScore), r.VectorRank, Round(r.VectorScore), r.FusedRank, Round(r.FusedScore), Round(r.RerankScore));

    private static double Round(double score) => Math.Round(score, 4);

    private static double? Round(double? score) => score is { } value ? Math.Round(value, 4) : null;
}

internal sealed record KnowledgeSearchResponse(IReadOnlyList<KnowledgeSearchResult> Results);

[JsonSerializable(typeof(KnowledgeSourceRequest))]
[JsonSerializable(typeof(KnowledgeSearchRequest))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class KnowledgeJson : JsonSerializerContext;
