using System.Globalization;
using System.Linq.Expressions;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using WeChatAi.Api.Admin;
using WeChatAi.Core.Data.Knowledge;
using WeChatAi.Core.Knowledge;
using WeChatAi.Core.Outbound;
using StackExchange.Redis;

namespace WeChatAi.Api.Knowledge;

/// <summary>
/// The JSON body of POST and PUT <c>/sources</c>: <c>title</c> and <c>text</c> (plain or Markdown), an FAQ's
/// <c>question</c> and <c>answer</c>, or a web page's <c>url</c> (with an optional <c>title</c>). A file is uploaded as
/// <c>multipart/form-data</c> instead (<see cref="KnowledgeUploadForm"/>).
/// </summary>
internal sealed record KnowledgeSourceRequest(string? Title, string? Text, string? Question, string? Answer, string? Url);

/// <summary>A source as POST and PUT give it, checked; <see cref="Hash"/> tells an unchanged one.</summary>
internal sealed partial record KnowledgeSourceInput(
    KnowledgeSourceKind Kind, string Title, string Content, byte[]? File = null, string? FileName = null, string? Url = null, bool TitleFromDocument = false)
{
    /// <summary>The most a source's JSON body may be (the text inside it somewhat less): a long article, not a book.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    /// <summary>An FAQ's answer: one passage, so about what a reply holds.</summary>
    public const int MaxAnswerChars = 4000;

    private const string Shape = "a JSON object with title and text, with question and answer, or with url (and a title if you like)";

    public string Hash => SourceHash.Of(Kind, Title, Content, Url, File);

    /// <summary>The source the body (JSON, or a multipart upload) describes, or the 400, 413 or 415 naming what is wrong.</summary>
    public static async Task<(KnowledgeSourceInput? Input, ProblemHttpResult? Problem)> ReadAsync(
        HttpRequest request, KnowledgeOptions options, CancellationToken ct)
    {
        if (request.HasFormContentType)
        {
            return await KnowledgeUpload.ReadAsync(request, options.MaxUploadBytes, ct);
        }

        var (body, problem) = await AdminRequests.ReadJsonAsync(request, KnowledgeJson.Default.KnowledgeSourceRequest, Shape, ct);
        if (body is null)
        {
            return (null, problem);
        }

        var page = body.Url is not null;
        var faq = body.Question is not null || body.Answer is not null;
        var document = body.Text is not null || (body.Title is not null && !page);
        if ((document ? 1 : 0) + (faq ? 1 : 0) + (page ? 1 : 0) != 1)
        {
            return (null, AdminRequests.BadRequest($"The body must be {Shape}: one of them, not both and not neither."));
        }

        return faq ? Faq(body.Question, body.Answer) : page ? Page(body.Url!, body.Title, options) : Document(body.Title, body.Text);
    }

    /// <summary>Typed text, or an uploaded .txt or .md: Markdown when it has a heading line.</summary>
    public static KnowledgeSourceInput Typed(string title, string text) =>
        new(MarkdownHeading().IsMatch(text) ? KnowledgeSourceKind.Markdown : KnowledgeSourceKind.Text, title, text);

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

        return (Typed(title!.Trim(), text), null);
    }

    /// <summary>
    /// A page's URL: absolute http(s), and refused at once when the outbound guard can tell from the URL alone that it
    /// is internal (an address literal, <c>localhost</c>); a name that resolves to one is refused by the worker's fetch.
    /// </summary>
    private static (KnowledgeSourceInput?, ProblemHttpResult?) Page(string url, string? title, KnowledgeOptions options)
    {
        if (title is not null && TitleProblem("title", title) is { } titleProblem)
        {
            return (null, titleProblem);
        }

        if (url.Length > KnowledgeSource.MaxUrl || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var address))
        {
            return (null, AdminRequests.BadRequest($"url must be an absolute http or https URL of at most {KnowledgeSource.MaxUrl} characters."));
        }

        var guard = new OutboundUrlGuard(options.PagePolicy());
        try
        {
            guard.CheckUrl(address);
        }
        catch (OutboundRefusedException ex)
        {
            return (null, AdminRequests.BadRequest($"url is refused: {ex.Message}"));
        }

        if (address.IsLoopback && !options.AllowPrivateAddresses)
        {
            return (null, AdminRequests.BadRequest($"url is refused: the host {address.IdnHost} is loopback: internal addresses are not fetched."));
        }

        var absolute = address.AbsoluteUri;
        return (title is null
            ? new KnowledgeSourceInput(KnowledgeSourceKind.Url, absolute.Length > KnowledgeSource.MaxTitle ? absolute[..KnowledgeSource.MaxTitle] : absolute, "", Url: absolute, TitleFromDocument: true)
            : new KnowledgeSourceInput(KnowledgeSourceKind.Url, title.Trim(), "", Url: absolute), null);
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

    public static ProblemHttpResult? TitleProblem(string name, string? value) =>
        string.IsNullOrWhiteSpace(value) || value.Trim().Length > KnowledgeSource.MaxTitle || value.Any(char.IsControl)
            ? AdminRequests.BadRequest($"{name} must be 1 to {KnowledgeSource.MaxTitle} characters on one line (not only spaces).")
            : null;

    public void ApplyTo(KnowledgeSource source, DateTimeOffset now)
    {
        source.Kind = Kind;
        source.Title = Title;
        source.Content = Content;
        source.File = File;
        source.FileName = FileName;
        source.Url = Url;
        source.TitleFromDocument = TitleFromDocument;
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
    /// <summary>The columns a view needs: a list does not read the sources' files or texts.</summary>
    public static readonly Expression<Func<KnowledgeSource, KnowledgeSource>> Columns = s => new KnowledgeSource
    {
        Id = s.Id, AppId = s.AppId, Kind = s.Kind, Title = s.Title, Url = s.Url, Content = "", ContentHash = s.ContentHash, State = s.State,
        ChunkCount = s.ChunkCount, Error = s.Error, CreatedAt = s.CreatedAt, UpdatedAt = s.UpdatedAt, EmbeddingModel = s.EmbeddingModel,
    };

    public static KnowledgeSourceView From(KnowledgeSource s) =>
        new(s.Id, Name(s.Kind), s.Title, s.Url, Name(s.State), s.ChunkCount, s.Error, s.CreatedAt, s.UpdatedAt, s.EmbeddingModel);

    public static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}

/// <summary>
/// The article sync's last run: <c>state</c> (<c>never</c>, <c>queued</c>, <c>running</c>, <c>done</c>, <c>failed</c>),
/// its times, the published articles it found and the sources it created, updated and removed, or why it failed.
/// </summary>
internal sealed record ArticleSyncView(
    string State, DateTimeOffset? RequestedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, int? Articles, int? Created, int? Updated, int? Removed, string? Error)
{
    public static ArticleSyncView From(HashEntry[] fields)
    {
        var values = fields.ToDictionary(f => f.Name.ToString(), f => f.Value.ToString());
        DateTimeOffset? Time(string name) => values.TryGetValue(name, out var v) && DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, out var t) ? t : null;
        int? Count(string name) => values.TryGetValue(name, out var v) && int.TryParse(v, CultureInfo.InvariantCulture, out var n) ? n : null;
        return new ArticleSyncView(
            values.GetValueOrDefault(ArticleSyncFields.State, "never"), Time(ArticleSyncFields.RequestedAt), Time(ArticleSyncFields.StartedAt), Time(ArticleSyncFields.FinishedAt),
            Count(ArticleSyncFields.Articles), Count(ArticleSyncFields.Created), Count(ArticleSyncFields.Updated), Count(ArticleSyncFields.Removed),
            values.GetValueOrDefault(ArticleSyncFields.Error));
    }
}

/// <summary>A page of sources, and the most an upload may be (<c>Knowledge:MaxUploadBytes</c>), so a client can say so before sending one.</summary>
internal sealed record KnowledgeSourcePage(IReadOnlyList<KnowledgeSourceView> Items, long? NextBefore, int MaxUploadBytes);

/// <summary>
/// A passage found: its source, the section heading, the text and the score that ordered it (higher is better; not
/// comparable across questions): BM25 by keywords alone, the fused score with vectors, the reranker's relevance with
/// one. So an operator sees why, each ranking's own rank and score (null where it did not find the passage or did not run);
/// its <c>match</c> (0–1, what <c>Knowledge:MinScore</c> bars) and whether the worker would send it to the LLM (<c>sent</c>).
/// </summary>
internal sealed record KnowledgeSearchResult(
    long SourceId, long ChunkId, string Title, string? Heading, string Text, double Score,
    int? KeywordRank, double? KeywordScore, int? VectorRank, double? VectorScore, int? FusedRank, double? FusedScore, double? RerankScore,
    double Match, bool Sent)
{
    public static KnowledgeSearchResult From(RankedPassage r, bool sent) => new(
        r.Passage.SourceId, r.Passage.ChunkId, r.Passage.Title, r.Passage.Heading, r.Passage.Text, Round(r.Score),
        r.KeywordRank, Round(r.KeywordScore), r.VectorRank, Round(r.VectorScore), r.FusedRank, Round(r.FusedScore), Round(r.RerankScore),
        Round(r.Match), sent);

    private static double Round(double score) => Math.Round(score, 4);

    private static double? Round(double? score) => score is { } value ? Math.Round(value, 4) : null;
}

/// <summary>The passages found, the bar they were held to, and the source line an answer from the sent ones would end with (null: none sent).</summary>
internal sealed record KnowledgeSearchResponse(IReadOnlyList<KnowledgeSearchResult> Results, double MinScore, string? Citation);

/// <summary>A chunk as stored: its place in the source, its section heading and its text.</summary>
internal sealed record KnowledgeChunkView(long Id, int Ordinal, string? Heading, string Text);

internal sealed record KnowledgeChunkPage(IReadOnlyList<KnowledgeChunkView> Items, int? NextAfter);

[JsonSerializable(typeof(KnowledgeSourceRequest))]
[JsonSerializable(typeof(KnowledgeSearchRequest))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class KnowledgeJson : JsonSerializerContext;
