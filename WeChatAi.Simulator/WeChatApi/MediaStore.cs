using System.Collections.Concurrent;
using System.Security.Cryptography;
using SkiaSharp;

namespace WeChatAi.Simulator.WeChatApi;

/// <summary>A file a simulated user sent, as WeChat keeps it for <c>/cgi-bin/media/get</c> (and an image's PicUrl).</summary>
public sealed record StoredMedia(byte[] Bytes, string ContentType, string FileName);

/// <summary>
/// The media simulated users sent: images the chat page drew or uploaded, and voice messages (a real AMR file,
/// WeChatApi/tone.amr, embedded). The most recent <see cref="Capacity"/> are kept, as WeChat keeps media 3 days.
/// </summary>
public sealed class MediaStore
{
    public const int Capacity = 500;
    public const int MaxImageSide = 4096;

    private readonly ConcurrentDictionary<string, StoredMedia> _media = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private readonly Lazy<byte[]> _tone = new(static () =>
    {
        using var stream = typeof(MediaStore).Assembly.GetManifestResourceStream("tone.amr")!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public StoredMedia? Find(string? mediaId) => mediaId is not null && _media.TryGetValue(mediaId, out var media) ? media : null;

    /// <returns>The new media id.</returns>
    public string Add(StoredMedia media)
    {
        // WeChat's media ids are 64 characters of base64url.
        var mediaId = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)).Replace('+', '-').Replace('/', '_');
        _media[mediaId] = media;
        _order.Enqueue(mediaId);
        while (_order.Count > Capacity && _order.TryDequeue(out var oldest))
        {
            _media.TryRemove(oldest, out _);
        }

        return mediaId;
    }

    /// <summary>The 1.5-second AMR-NB tone every simulated voice message carries.</summary>
    public StoredMedia Voice() => new(_tone.Value, "audio/amr", "voice.amr");

    /// <summary>A picture of one colour with a white band across it, so a description can be checked against it.</summary>
    public static StoredMedia Draw(SKColor color, int width, int height, bool jpeg)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(color);
            using var band = new SKPaint { Color = SKColors.White };
            canvas.DrawRect(0, height * 0.45f, width, height * 0.1f, band);
        }

        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(jpeg ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Png, 90);
        return new StoredMedia(data.ToArray(), jpeg ? "image/jpeg" : "image/png", jpeg ? "image.jpg" : "image.png");
    }
}
