using System.Text.Json;
using System.Text.Json.Serialization;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Simulator.WeChatApi;

/// <summary>
/// WeChat's published-articles API with its wire format: <c>freepublish/batchget</c> (offset, count 1–20, no_content),
/// <c>freepublish/getarticle</c> (article_id) and <c>freepublish/delete</c> (article_id, index: 0 is the whole publication).
/// </summary>
public static class FreePublishEndpoints
{
    private const int InvalidArticleId = 53600;
    private const int MaxCount = 20;

    public static RouteGroupBuilder MapFreePublish(this RouteGroupBuilder api)
    {
        api.MapPost("/freepublish/batchget", BatchGetAsync);
        api.MapPost("/freepublish/getarticle", GetArticleAsync);
        api.MapPost("/freepublish/delete", DeleteAsync);
        return api;
    }

    private static async Task<IResult> BatchGetAsync(HttpRequest http, string? access_token, AccessTokens tokens, PublishedArticles articles)
    {
        if (!tokens.IsValid(access_token))
        {
            return InvalidToken();
        }

        if (await ReadAsync(http) is not { } request || request.Offset < 0 || request.Count is < 1 or > MaxCount)
        {
            return Error(WeChatErrorCodes.InvalidParameter, "invalid parameter: offset ≥ 0, count 1-20");
        }

        var page = articles.Page(request.Offset, request.Count);
        return Results.Json(new
        {
            total_count = articles.TotalCount,
            item_count = page.Count,
            item = page.Select(p => new { article_id = p.ArticleId, content = Content(p, request.NoContent == 1), update_time = p.UpdateTime }),
        });
    }

    private static async Task<IResult> GetArticleAsync(HttpRequest http, string? access_token, AccessTokens tokens, PublishedArticles articles)
    {
        if (!tokens.IsValid(access_token))
        {
            return InvalidToken();
        }

        return (await ReadAsync(http))?.ArticleId is { } id && articles.Find(id) is { } publication
            ? Results.Json(Content(publication, noContent: false))
            : Error(InvalidArticleId, "invalid article_id");
    }

    private static async Task<IResult> DeleteAsync(HttpRequest http, string? access_token, AccessTokens tokens, PublishedArticles articles)
    {
        if (!tokens.IsValid(access_token))
        {
            return InvalidToken();
        }

        var request = await ReadAsync(http);
        return articles.Delete(request?.ArticleId, request?.Index ?? 0) ? Error(WeChatErrorCodes.Ok, "ok") : Error(InvalidArticleId, "invalid article_id");
    }

    private static object Content(Publication publication, bool noContent) => new
    {
        news_item = publication.Articles.Select(a => new
        {
            title = a.Title,
            author = a.Author,
            digest = a.Digest,
            content = noContent ? "" : a.Content,
            content_source_url = "",
            thumb_media_id = "sim_thumb",
            show_cover_pic = 0,
            need_open_comment = 0,
            only_fans_can_comment = 0,
            url = a.Url,
            is_deleted = a.IsDeleted,
        }),
        create_time = publication.UpdateTime,
        update_time = publication.UpdateTime,
    };

    private static async Task<FreePublishRequest?> ReadAsync(HttpRequest http)
    {
        try
        {
            return await http.ReadFromJsonAsync<FreePublishRequest>(http.HttpContext.RequestAborted);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IResult InvalidToken() => Error(WeChatErrorCodes.InvalidCredential, "invalid credential, access_token is invalid or not latest");

    private static IResult Error(int code, string message) => Results.Json(new { errcode = code, errmsg = message });

    private sealed record FreePublishRequest(
        [property: JsonPropertyName("offset")] int Offset,
        [property: JsonPropertyName("count")] int Count,
        [property: JsonPropertyName("no_content")] int NoContent,
        [property: JsonPropertyName("article_id")] string? ArticleId,
        [property: JsonPropertyName("index")] int Index);
}
