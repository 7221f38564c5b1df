using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using WeChatAi.Worker.Media;

// RemoveAllResilienceHandlers is marked experimental; it is the documented way to replace the defaults' handler.
#pragma warning disable EXTEXP0001

// In the builder's namespace, like the service defaults' extensions: Program.cs adds it with one line.
namespace Microsoft.Extensions.Hosting;

public static class MediaExtensions
{
    /// <summary>Images and voice files: download (PicUrl, media/get), image size check and re-encoding, ffmpeg conversion (section <c>Media</c>).</summary>
    public static TBuilder AddMedia<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddValidatedOptions<MediaOptions>(MediaOptions.Section);
        var services = builder.Services;

        // GETs may be retried on 5xx; MediaDownloader holds the deadline of the whole download, body included.
        services.AddHttpClient(MediaDownloader.HttpClientName, static http => http.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllResilienceHandlers()
            .AddResilienceHandler("media", RetryGets);

        // PicUrls come in a message: only Media:AllowedImageHosts, only public addresses (checked at connect), no
        // redirect. A refusal is not an HttpRequestException, so the retry leaves it alone.
        services.AddHttpClient(MediaDownloader.PicUrlClientName, static http => http.Timeout = Timeout.InfiniteTimeSpan)
            .AddOutboundGuard(static services => services.GetRequiredService<IOptions<MediaOptions>>().Value.PicUrlPolicy())
            .RemoveAllResilienceHandlers()
            .AddResilienceHandler("media-picurl", RetryGets);
        services.AddSingleton<MediaDownloader>();
        services.AddWeChatAccessTokens(); // media/get with the account's shared token
        services.AddSingleton<ImageNormalizer>();
        services.AddHostedService<PrivateAddressesWarning>();
        services.AddSingleton<AudioConverter>();
        services.AddHostedService<FfmpegStartupCheck>();
        return builder;
    }

    private static void RetryGets(ResiliencePipelineBuilder<HttpResponseMessage> pipeline) => pipeline.AddRetry(new HttpRetryStrategyOptions
    {
        MaxRetryAttempts = 2,
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
        Delay = TimeSpan.FromMilliseconds(200),
    });
}
