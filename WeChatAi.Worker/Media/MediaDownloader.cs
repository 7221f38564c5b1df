using System.Text.Json;
using Microsoft.Extensions.Options;
using WeChatAi.Core.Outbound;
using WeChatAi.Core.Queue;
using WeChatAi.Core.WeChat;
using WeChatAi.Core.WeChatApi;
using WeChatAi.Worker.Common;

namespace WeChatAi.Worker.Media;

/// <param name="ContentType">As the server said (WeChat's may be missing or generic: callers sniff the bytes too).</param>
internal sealed record DownloadedMedia(byte[] Bytes, string? ContentType);

internal sealed class MediaDownloadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Fetches a message's media: an image from <c>GET /cgi-bin/media/get</c> by its MediaId (WeChat keeps it 3 days),
/// falling back to its <c>PicUrl</c> only when media/get cannot serve it (an IP whitelist may block the media API),
/// and only through the outbound guard (Media:AllowedImageHosts, public addresses, no redirect); a voice file from
/// <c>media/get</c>. Each download has a size limit and a deadline (<see cref="MediaOptions"/>). Each
/// <c>media/get</c> counts as one of the overview's wechat-api calls.
/// </summary>
internal sealed partial class MediaDownloader(
    IHttpClientFactory httpClients,
    AccessTokenProvider token,
    IOptions<MediaOptions> options,
    IOptions<WeChatOptions> weChatOptions,
    ServiceCallStats calls,
    ILogger<MediaDownloader> logger)
{
    /// <summary>The client of WeChat's API (<c>WeChat:ApiBaseUrl</c>, the operator's setting).</summary>
    public const string HttpClientName = "media";

    /// <summary>The guarded client of PicUrls, which come in a message.</summary>
    public const string PicUrlClientName = "media-picurl";

    /// <summary>
    /// The image from media/get, or from its PicUrl when media/get fails. Throws <see cref="OutboundRefusedException"/>
    /// when media/get failed and the PicUrl may not be fetched: no retry can change that.
    /// </summary>
    public async Task<DownloadedMedia> DownloadImageAsync(JobMedia media, CancellationToken cancellationToken)
    {
        try
        {
            return await GetMediaAsync(media.MediaId, cancellationToken);
        }
        // The token fetch fails too when the server's IP is not on the account's whitelist: the PicUrl still serves.
        catch (Exception ex) when ((ex is HttpRequestException or MediaDownloadException or TimeoutException or WeChatApiException)
                                   && media.PicUrl is { Length: > 0 } && !cancellationToken.IsCancellationRequested)
        {
            LogMediaGetFailed(logger, ex, media.MediaId);
        }

        if (!Uri.TryCreate(media.PicUrl, UriKind.Absolute, out var picUrl))
        {
            throw new OutboundRefusedException("The PicUrl is not an absolute URL.");
        }

        return await GetAsync(httpClients.CreateClient(PicUrlClientName), picUrl, cancellationToken);
    }

    /// <summary><c>GET /cgi-bin/media/get</c>: the file, or a JSON errcode (an invalid token is renewed once).</summary>
    public async Task<DownloadedMedia> GetMediaAsync(string mediaId, CancellationToken cancellationToken)
    {
        try
        {
            var media = await GetMediaWithTokenRenewalAsync(mediaId, cancellationToken);
            calls.WeChatApiCall(failed: false);
            return media;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            calls.WeChatApiCall(failed: true);
            throw;
        }
    }

    private async Task<DownloadedMedia> GetMediaWithTokenRenewalAsync(string mediaId, CancellationToken cancellationToken)
    {
        var accessToken = await token.GetAsync(cancellationToken);
        for (var renewed = false; ; renewed = true)
        {
            var media = await GetAsync(httpClients.CreateClient(HttpClientName), MediaGetUrl(accessToken, mediaId), cancellationToken);
            if (!IsJson(media))
            {
                return media;
            }

            var (errCode, errMsg) = ReadError(media.Bytes);
            if (!renewed && WeChatErrorCodes.IsTokenError(errCode))
            {
                accessToken = await token.RenewAsync(accessToken, cancellationToken);
                continue;
            }

            throw new MediaDownloadException($"WeChat's media/get refused media {mediaId}: {errCode} {errMsg}");
        }
    }

    private Uri MediaGetUrl(string accessToken, string mediaId) => new(
        $"{weChatOptions.Value.ApiBaseUrl.TrimEnd('/')}/cgi-bin/media/get?access_token={Uri.EscapeDataString(accessToken)}&media_id={Uri.EscapeDataString(mediaId)}");

    private async Task<DownloadedMedia> GetAsync(HttpClient http, Uri url, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(settings.DownloadTimeoutSeconds));
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new MediaDownloadException($"{url.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode}.");
            }

            var bytes = await OutboundResponse.ReadBoundedAsync(response, settings.MaxDownloadBytes, deadline.Token);
            return new DownloadedMedia(bytes, response.Content.Headers.ContentType?.MediaType);
        }
        catch (OutboundResponseTooLargeException)
        {
            throw new MediaDownloadException($"{url.GetLeftPart(UriPartial.Path)} is larger than Media:MaxDownloadBytes ({settings.MaxDownloadBytes} bytes).");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Downloading {url.GetLeftPart(UriPartial.Path)} took longer than Media:DownloadTimeoutSeconds ({settings.DownloadTimeoutSeconds} s).");
        }
    }

    // media/get answers errors as JSON, sometimes labelled text/plain: a file never starts with '{'.
    private static bool IsJson(DownloadedMedia media) =>
        media.ContentType is "application/json" or "text/plain" || (media.Bytes.Length > 0 && media.Bytes[0] == (byte)'{');

    private static (int ErrCode, string? ErrMsg) ReadError(byte[] body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            return (root.TryGetProperty("errcode", out var code) && code.TryGetInt32(out var value) ? value : -1,
                root.TryGetProperty("errmsg", out var message) ? message.GetString() : null);
        }
        catch (JsonException)
        {
            return (-1, "not JSON");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "media/get could not serve image {MediaId}; trying its PicUrl")]
    private static partial void LogMediaGetFailed(ILogger logger, Exception exception, string mediaId);
}
