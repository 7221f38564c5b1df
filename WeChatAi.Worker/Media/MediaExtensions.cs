using Microsoft.Extensions.Http.Resilience;
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

        // GETs may be retried; MediaDownloader holds the deadline of the whole download, body included.
        services.AddHttpClient<MediaDownloader>(MediaDownloader.HttpClientName, static http => http.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllResilienceHandlers()
            .AddResilienceHandler("media", static pipeline => pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 2,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
            }));
        services.AddWeChatAccessTokens(); // media/get with the account's shared token
        services.AddSingleton<ImageNormalizer>();
        services.AddSingleton<AudioConverter>();
        services.AddHostedService<FfmpegStartupCheck>();
        return builder;
    }
}
