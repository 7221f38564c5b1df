using Microsoft.Extensions.Options;
using SkiaSharp;

namespace WeChatAi.Worker.Media;

/// <param name="MediaType">What the bytes are (sniffed, not taken from the server), e.g. <c>image/jpeg</c>.</param>
internal sealed record PreparedImage(byte[] Bytes, string MediaType, int Width, int Height);

internal sealed class InvalidImageException(string message) : Exception(message);

/// <summary>
/// Makes a downloaded image fit for the vision model: the format sniffed from its bytes, and if it is larger than
/// <see cref="MediaOptions.MaxImageBytes"/> (or in a format vision models do not all take) re-encoded as JPEG, scaled
/// down until it fits. The dimensions are read from the header and checked before any pixel is decoded, and at most
/// <see cref="MediaOptions.MaxConcurrentDecodes"/> images are decoded at once: decoded pixels take at most
/// MaxConcurrentDecodes × MaxImagePixels × 4 bytes.
/// </summary>
internal sealed class ImageNormalizer(IOptions<MediaOptions> options) : IDisposable
{
    private const int JpegQuality = 85;

    private readonly SemaphoreSlim _decodes = new(options.Value.MaxConcurrentDecodes);

    public async Task<PreparedImage> PrepareAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data) ?? throw new InvalidImageException("The downloaded file is not an image this worker can read.");

        // A decompression bomb (a small file of huge dimensions) is refused from its header, before its pixels are allocated.
        var info = codec.Info;
        if ((long)info.Width * info.Height > settings.MaxImagePixels)
        {
            throw new InvalidImageException($"The image is {info.Width}×{info.Height} pixels, more than Media:MaxImagePixels ({settings.MaxImagePixels}).");
        }

        var mediaType = codec.EncodedFormat switch
        {
            SKEncodedImageFormat.Jpeg => "image/jpeg",
            SKEncodedImageFormat.Png => "image/png",
            SKEncodedImageFormat.Gif => "image/gif",
            SKEncodedImageFormat.Webp => "image/webp",
            _ => null,
        };
        if (mediaType is not null && bytes.Length <= settings.MaxImageBytes)
        {
            return new PreparedImage(bytes, mediaType, info.Width, info.Height);
        }

        await _decodes.WaitAsync(cancellationToken);
        try
        {
            return Reencode(codec, settings);
        }
        finally
        {
            _decodes.Release();
        }
    }

    public void Dispose() => _decodes.Dispose();

    private static PreparedImage Reencode(SKCodec codec, MediaOptions settings)
    {
        using var original = SKBitmap.Decode(codec) ?? throw new InvalidImageException("The image could not be decoded.");
        var scale = Math.Min(1.0, (double)settings.MaxImageSide / Math.Max(original.Width, original.Height));
        while (true)
        {
            var width = Math.Max(1, (int)(original.Width * scale));
            var height = Math.Max(1, (int)(original.Height * scale));
            using var resized = width == original.Width && height == original.Height
                ? original.Copy()
                : original.Resize(new SKImageInfo(width, height), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
            using var image = SKImage.FromBitmap(resized);
            using var jpeg = image.Encode(SKEncodedImageFormat.Jpeg, JpegQuality);
            if (jpeg.Size <= settings.MaxImageBytes || (width <= 64 && height <= 64))
            {
                return new PreparedImage(jpeg.ToArray(), "image/jpeg", width, height);
            }

            scale *= 0.75;
        }
    }
}
