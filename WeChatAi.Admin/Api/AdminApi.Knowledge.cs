using System.Globalization;
using System.Net.Http.Headers;

namespace WeChatAi.Admin.Api;

/// <summary>The knowledge base's endpoints (<c>/api/admin/knowledge</c>): sources, their chunks, the test question, the article sync and the missed questions.</summary>
public sealed partial class AdminApi
{
    private const string Sources = "api/admin/knowledge/sources";

    /// <summary>The newest sources (at most 200: the page polls it while some are being indexed) and the upload limit.</summary>
    public Task<KnowledgeSourcePage> KnowledgeSourcesAsync(CancellationToken cancellationToken = default) =>
        SendAsync<KnowledgeSourcePage>(HttpMethod.Get, Query(Sources, ("count", "200")), null, cancellationToken);

    /// <summary>A text, an FAQ pair or a page by URL (the request's one shape), queued for the worker.</summary>
    public Task<KnowledgeSourceAccepted> AddKnowledgeSourceAsync(KnowledgeSourceRequest source) =>
        SendAsync<KnowledgeSourceAccepted>(HttpMethod.Post, Sources, source, default);

    public Task<KnowledgeSourceAccepted> UpdateKnowledgeSourceAsync(long id, KnowledgeSourceRequest source) =>
        SendAsync<KnowledgeSourceAccepted>(HttpMethod.Put, $"{Sources}/{id}", source, default);

    /// <summary>A document (<c>multipart/form-data</c>: <c>file</c>, optional <c>title</c>); the API decides its type by extension and first bytes.</summary>
    public Task<KnowledgeSourceAccepted> UploadKnowledgeFileAsync(string fileName, byte[] content, string? title)
    {
        ArgumentNullException.ThrowIfNull(content);
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        if (!string.IsNullOrWhiteSpace(title))
        {
            form.Add(new StringContent(title.Trim()), "title");
        }

        return SendAsync<KnowledgeSourceAccepted>(HttpMethod.Post, Sources, form, default);
    }

    public Task<KnowledgeSourceAccepted> RefreshKnowledgeSourceAsync(long id) =>
        SendAsync<KnowledgeSourceAccepted>(HttpMethod.Post, $"{Sources}/{id}/refresh", null, default);

    public Task DeleteKnowledgeSourceAsync(long id) =>
        SendAsync<object>(HttpMethod.Delete, $"{Sources}/{id}", null, default);

    /// <summary>A page of a source's chunks in order, after the ordinal <paramref name="after"/>.</summary>
    public Task<KnowledgeChunkPage> KnowledgeChunksAsync(long id, int? after = null, CancellationToken cancellationToken = default) =>
        SendAsync<KnowledgeChunkPage>(HttpMethod.Get, Query($"{Sources}/{id}/chunks", ("count", "200"), ("after", after?.ToString(CultureInfo.InvariantCulture))), null, cancellationToken);

    /// <summary>The test question: the ranked passages, which ones would be sent to the LLM, and the citation.</summary>
    public Task<KnowledgeSearchResponse> SearchKnowledgeAsync(string query, int top, CancellationToken cancellationToken = default) =>
        SendAsync<KnowledgeSearchResponse>(HttpMethod.Post, "api/admin/knowledge/search", new KnowledgeSearchRequest { Query = query, Top = top }, cancellationToken);

    public Task<ArticleSyncView> SyncArticlesAsync() =>
        SendAsync<ArticleSyncView>(HttpMethod.Post, "api/admin/knowledge/sync-articles", null, default);

    public Task<ArticleSyncView> ArticleSyncAsync(CancellationToken cancellationToken = default) =>
        SendAsync<ArticleSyncView>(HttpMethod.Get, "api/admin/knowledge/sync-articles", null, cancellationToken);

    public Task<MissedQuestionPage> MissedQuestionsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<MissedQuestionPage>(HttpMethod.Get, "api/admin/knowledge/missed", null, cancellationToken);

    /// <summary>Answers a group of missed questions as an FAQ (<paramref name="question"/> as the FAQ's question); the group is marked answered.</summary>
    public Task<MissedAnswerAccepted> AnswerMissedAsync(long id, string question, string answer) =>
        SendAsync<MissedAnswerAccepted>(HttpMethod.Post, $"api/admin/knowledge/missed/{id}/answer", new MissedAnswerRequest { Question = question, Answer = answer }, default);
}
