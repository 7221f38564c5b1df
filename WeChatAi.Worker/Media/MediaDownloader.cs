using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using WeChatAi.Core.Queue;
using WeChatAi.Core.WeChat;
using WeChatAi.Core.WeChatApi;
using WeChatAi.Worker.Common;

namespace WeChatAi.Worker.Media;

/// <param name="ContentType">As the server said (WeChat's may be missing or generic: callers sniff the bytes too).</param>
internal sealed record DownloadedMedia(byte[] Bytes, string? ContentType);

internal sealed class MediaDownloadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Fetches a message's media: an image from its <c>PicUrl</c>, falling back to <c>GET /cgi-bin/media/get</c> (which
/// an IP whitelist may block, and PicUrl may expire); a voice file from <c>media/get</c>. Each download has a size
/// limit and a deadline (<see cref="MediaOptions"/>). Each <c>media/get</c> counts as one of the overview's wechat-api calls.
/// </summary>
internal sealed partial class MediaDownloader(
    HttpClient http,
    AccessTokenProvider token,
    IOptions<MediaOptions> options,
    IOptions<WeChatOptions> weChatOptions,
    ServiceCallStats calls,
    ILogger<MediaDownloader> logger)
{
    public const string HttpClientName = "media";

    public async Task<DownloadedMedia> DownloadImageAsync(JobMedia media, CancellationToken cancellationToken)
    {
        if (Uri.TryCreate(media.PicUrl, UriKind.Absolute, out var picUrl) && (picUrl.Scheme == Uri.UriSchemeHttp || picUrl.Scheme == Uri.UriSchemeHttps))
        {
            try
            {
                return await GetAsync(picUrl, cancellationToken);
            }
            catch (Exception ex) when ((ex is HttpRequestException or MediaDownloadException or TimeoutException) && !cancellationToken.IsCancellationRequested)
            {
                LogPicUrlFailed(logger, ex, media.MediaId);
            }
        }

        return await GetMediaAsync(media.MediaId, cancellationToken);
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
            var media = await GetAsync(MediaGetUrl(accessToken, mediaId), cancellationToken);
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

    private async Task<DownloadedMedia> GetAsync(Uri url, CancellationToken cancellationToken)
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

            if (response.Content.Headers.ContentLength > settings.MaxDownloadBytes)
            {
                throw TooLarge(url, settings);
            }

            await using var body = await response.Content.ReadAsStreamAsync(deadline.Token);
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(chunk, deadline.Token)) > 0)
            {
                if (buffer.Length + read > settings.MaxDownloadBytes)
                {
                    throw TooLarge(url, settings);
                }

                buffer.Write(chunk, 0, read);
            }

            return new DownloadedMedia(buffer.ToArray(), response.Content.Headers.ContentType?.MediaType);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Downloading {url.GetLeftPart(UriPartial.Path)} took longer than Media:DownloadTimeoutSeconds ({settings.DownloadTimeoutSeconds} s).");
        }
    }

    private static MediaDownloadException TooLarge(Uri url, MediaOptions settings) =>
        new($"{url.GetLeftPart(UriPartial.Path)} is larger than Media:MaxDownloadBytes ({settings.MaxDownloadBytes} bytes).");

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Downloading image {MediaId} from its PicUrl failed; trying media/get")]
    private static partial void LogPicUrlFailed(ILogger logger, Exception exception, string mediaId);
}
