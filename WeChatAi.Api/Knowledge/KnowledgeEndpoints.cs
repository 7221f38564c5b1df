using Microsoft.AspNetCore.Mvc;
using WeChatAi.Api.Knowledge;
using WeChatAi.Api.OpenApi;

// In the builder's namespace, like the service defaults' extensions: Program.cs maps it with one line.
namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// <c>{admin}/knowledge</c>: <c>/sources</c> (<c>GET</c> list, <c>POST</c> add — JSON or a multipart upload —,
/// <c>GET|PUT|DELETE /{id}</c>, <c>POST /{id}/refresh</c>, <c>GET /{id}/chunks</c>), <c>POST|GET /sync-articles</c> and <c>POST /search</c>
/// (<see cref="KnowledgeApi"/>).
/// </summary>
public static class KnowledgeEndpoints
{
    public static RouteGroupBuilder MapKnowledgeEndpoints(this RouteGroupBuilder admin)
    {
        var knowledge = admin.MapGroup("/knowledge")
            .WithStoreOutage("The knowledge store (PostgreSQL or Redis) is unavailable; nothing was changed unless a later GET shows it.");
        var sources = knowledge.MapGroup("/sources");
        sources.MapGet("/", KnowledgeApi.ListAsync).WithName("ListKnowledgeSources");
        sources.MapPost("/", KnowledgeApi.CreateAsync).AcceptsJsonOrForm<KnowledgeSourceRequest, KnowledgeUploadForm>()
            .WithProblemResponse(StatusCodes.Status415UnsupportedMediaType)
            .WithMetadata(new RequestSizeLimitAttribute(KnowledgeSourceInput.MaxBodyBytes)).WithProblemResponse(StatusCodes.Status413PayloadTooLarge)
            .WithName("CreateKnowledgeSource");
        sources.MapGet("/{id:long}", KnowledgeApi.GetAsync).WithName("GetKnowledgeSource");
        sources.MapPut("/{id:long}", KnowledgeApi.UpdateAsync).AcceptsJsonOrForm<KnowledgeSourceRequest, KnowledgeUploadForm>()
            .WithProblemResponse(StatusCodes.Status415UnsupportedMediaType)
            .WithMetadata(new RequestSizeLimitAttribute(KnowledgeSourceInput.MaxBodyBytes)).WithProblemResponse(StatusCodes.Status413PayloadTooLarge)
            .WithName("UpdateKnowledgeSource");
        sources.MapDelete("/{id:long}", KnowledgeApi.DeleteAsync).WithName("DeleteKnowledgeSource");
        sources.MapPost("/{id:long}/refresh", KnowledgeApi.RefreshAsync).WithName("RefreshKnowledgeSource");
        sources.MapGet("/{id:long}/chunks", KnowledgeApi.ChunksAsync).WithName("ListKnowledgeChunks");
        knowledge.MapPost("/sync-articles", KnowledgeApi.SyncArticlesAsync).WithName("SyncArticles");
        knowledge.MapGet("/sync-articles", KnowledgeApi.GetArticleSyncAsync).WithName("GetArticleSync");
        knowledge.MapPost("/search", KnowledgeApi.SearchAsync).Accepts<KnowledgeSearchRequest>("application/json").WithName("SearchKnowledge");
        return admin;
    }
}
