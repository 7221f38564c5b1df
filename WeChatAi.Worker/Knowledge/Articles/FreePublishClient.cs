using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using WeChatAi.Core.WeChat;
using WeChatAi.Core.WeChatApi;

namespace WeChatAi.Worker.Knowledge.Articles;

/// <summary>A sync that cannot go on, with the reason the operator sees.</summary>
internal sealed class ArticleSyncException(string message) : Exception(message);

/// <summary>
/// WeChat's published articles, a page at a time: <c>POST /cgi-bin/freepublish/batchget</c> with the account's shared
/// access token (a refused token is renewed once through the shared path), content included.
/// </summary>
internal sealed class FreePublishClient(IHttpClientFactory clients, AccessTokenProvider tokens, IOptions<WeChatOptions> wechat)
{
    public const string ClientName = "knowledge-freepublish";

    /// <summary>WeChat's most per page.</summary>
    public const int PageSize = 20;

    /// <summary>freepublish/batchget's daily call quota is used up.</summary>
    public const int QuotaExceeded = 45009;

    /// <exception cref="ArticleSyncException">WeChat refused the call (quota, permission, token after renewal).</exception>
    public async Task<BatchGetPage> BatchGetAsync(int offset, CancellationToken cancellationToken)
    {
        var token = await tokens.GetAsync(cancellationToken).ConfigureAwait(false);
        for (var renewed = false; ; renewed = true)
        {
            var url = WeChatApiUrl.For(wechat.Value, $"/cgi-bin/freepublish/batchget?access_token={Uri.EscapeDataString(token)}");
            using var response = await clients.CreateClient(ClientName)
                .PostAsJsonAsync(url, new BatchGetRequest(offset, PageSize, NoContent: 0), FreePublishJson.Default.BatchGetRequest, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new ArticleSyncException($"WeChat's freepublish/batchget answered HTTP {(int)response.StatusCode}.");
            }

            BatchGetPage? page;
            try
            {
                page = await response.Content.ReadFromJsonAsync(FreePublishJson.Default.BatchGetPage, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException ex)
            {
                throw new ArticleSyncException($"WeChat's freepublish/batchget answer is not the expected JSON: {ex.Message}");
            }

            // A page has no errcode; a refusal has no items.
            var code = page is null ? -1 : page.ErrCode ?? WeChatErrorCodes.Ok;
            if (!renewed && WeChatErrorCodes.IsTokenError(code))
            {
                token = await tokens.RenewAsync(token, cancellationToken).ConfigureAwait(false);
                continue;
            }

            return code switch
            {
                // Without its item list an answer is not a page: taken as empty, it would remove every article's source.
                WeChatErrorCodes.Ok when page!.Item is null => throw new ArticleSyncException(
                    "WeChat's freepublish/batchget answer has neither an item list nor an errcode. Nothing was removed."),
                WeChatErrorCodes.Ok => page,
                QuotaExceeded => throw new ArticleSyncException(
                    "WeChat's daily quota for freepublish/batchget is used up (errcode 45009); sync again tomorrow. Nothing was removed."),
                _ => throw new ArticleSyncException($"WeChat refused freepublish/batchget: errcode {code} {page?.ErrMsg}. Nothing was removed."),
            };
        }
    }
}

internal sealed record BatchGetRequest(int Offset, int Count, int NoContent);

/// <summary>One page of freepublish/batchget (an errcode instead when WeChat refused).</summary>
internal sealed record BatchGetPage(
    [property: JsonPropertyName("errcode")] int? ErrCode, [property: JsonPropertyName("errmsg")] string? ErrMsg,
    int TotalCount, int ItemCount, IReadOnlyList<PublishedItem>? Item);

/// <summary>A publication: its article_id and its articles (one or several, <c>news_item</c>).</summary>
internal sealed record PublishedItem(string ArticleId, PublishedContent? Content, long UpdateTime);

internal sealed record PublishedContent(IReadOnlyList<NewsItem>? NewsItem);

/// <summary>An article of a publication; <c>is_deleted</c> ones are skipped (and so removed from the knowledge base).</summary>
internal sealed record NewsItem(string? Title, string? Author, string? Digest, string? Content, string? Url, bool IsDeleted);

[JsonSerializable(typeof(BatchGetRequest))]
[JsonSerializable(typeof(BatchGetPage))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
internal sealed partial class FreePublishJson : JsonSerializerContext;
