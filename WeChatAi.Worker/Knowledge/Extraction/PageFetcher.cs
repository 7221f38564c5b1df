using System.Text;
using Microsoft.Extensions.Options;
using WeChatAi.Core.Knowledge;
using WeChatAi.Core.Outbound;

namespace WeChatAi.Worker.Knowledge.Extraction;

/// <summary>
/// Fetches a page an operator added by URL through the outbound guard (public addresses only, checked at connect; no
/// redirect), within <c>Knowledge:FetchTimeoutSeconds</c> and <c>Knowledge:MaxPageBytes</c>; every way it can fail is
/// the source's readable error.
/// </summary>
internal sealed class PageFetcher(IHttpClientFactory clients, IOptions<KnowledgeOptions> options)
{
    public const string ClientName = "knowledge-page";

    /// <exception cref="UnindexableSourceException">The page was refused, did not answer in time, was too large or not HTML or text.</exception>
    public async Task<ExtractedDocument> FetchAsync(string url, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(settings.FetchTimeoutSeconds));
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,text/plain;q=0.9");
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new UnindexableSourceException($"The page answered {(int)response.StatusCode}.");
            }

            var type = response.Content.Headers.ContentType;
            if (type?.MediaType is { } media && media is not ("text/html" or "application/xhtml+xml" or "text/plain"))
            {
                throw new UnindexableSourceException($"The page is {media}, not HTML or text (upload a PDF or DOCX as a file).");
            }

            var bytes = await OutboundResponse.ReadBoundedAsync(response, settings.MaxPageBytes, deadline.Token).ConfigureAwait(false);
            return type?.MediaType == "text/plain"
                ? new ExtractedDocument(null, Encoding.UTF8.GetString(bytes))
                : HtmlText.Extract(bytes, type?.CharSet);
        }
        catch (OutboundRefusedException ex)
        {
            throw new UnindexableSourceException($"The page was not fetched: {ex.Message}");
        }
        catch (OutboundResponseTooLargeException)
        {
            throw new UnindexableSourceException($"The page is larger than Knowledge:MaxPageBytes ({settings.MaxPageBytes:N0} bytes).");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UnindexableSourceException($"The page did not answer within Knowledge:FetchTimeoutSeconds ({settings.FetchTimeoutSeconds} s).");
        }
        catch (HttpRequestException ex)
        {
            throw new UnindexableSourceException($"The page could not be fetched: {ex.Message}");
        }
    }
}
