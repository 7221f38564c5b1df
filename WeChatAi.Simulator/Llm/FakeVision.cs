using System.Globalization;
using SkiaSharp;

namespace WeChatAi.Simulator.Llm;

/// <summary>The fake vision model: looks at the image it was sent and says what anyone can check (size, format, colour).</summary>
public static class FakeVision
{
    public const string Marker = "【模拟视觉】";

    public static string Describe(string dataUri)
    {
        var comma = dataUri.IndexOf(',', StringComparison.Ordinal);
        if (!dataUri.StartsWith("data:", StringComparison.Ordinal) || comma < 0)
        {
            return $"{Marker}图片不是 data: URI，看不到它。";
        }

        var mediaType = dataUri[5..comma].Split(';')[0];
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(dataUri[(comma + 1)..]);
        }
        catch (FormatException)
        {
            return $"{Marker}图片的 base64 编码不对。";
        }

        using var bitmap = SKBitmap.Decode(bytes);
        if (bitmap is null)
        {
            return $"{Marker}收到 {bytes.Length} 字节的 {mediaType}，但它不是能打开的图片。";
        }

        // The colour of the top-left quarter's centre: the drawn sample images have their colour there, not the band.
        var color = bitmap.GetPixel(bitmap.Width / 4, bitmap.Height / 4);
        return string.Create(CultureInfo.InvariantCulture,
            $"{Marker}我看到一张 {bitmap.Width}×{bitmap.Height} 的图片（{mediaType}，{bytes.Length} 字节），主色 #{color.Red:X2}{color.Green:X2}{color.Blue:X2}。");
    }

    /// <summary>The fake speech to text: what it was given, so the chat page shows the voice file made it through.</summary>
    public static string Transcribe(string fileName, long bytes) =>
        string.Create(CultureInfo.InvariantCulture, $"这是一条模拟语音（{fileName}，{bytes} 字节），请介绍一下你自己");
}
