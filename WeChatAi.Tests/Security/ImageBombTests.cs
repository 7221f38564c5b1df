using System.Buffers.Binary;
using System.Net;
using SkiaSharp;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Worker;
using WeChatAi.Core.Queue;
using WeChatAi.Worker.Pipeline;

namespace WeChatAi.Tests.Security;

/// <summary>The real worker with Media:MaxImagePixels=4000000 and one decode at a time (Media:MaxConcurrentDecodes=1).</summary>
public sealed class ImageBombFixture(PostgresServer postgres) : IAsyncLifetime
{
    internal WorkerHarness Harness { get; private set; } = null!;

    internal ServiceProcess Worker { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Harness = await WorkerHarness.StartAsync(postgres);
        Worker = await Harness.StartWorkerAsync(new Dictionary<string, string?>
        {
            ["Llm__VisionModel"] = "test-vision",
            ["Media__MaxImagePixels"] = "4000000",
            ["Media__MaxConcurrentDecodes"] = "1",
        });
    }

    public async ValueTask DisposeAsync() => await Harness.DisposeAsync();
}

/// <summary>
/// Issue 21, item 2: an image is judged by the dimensions in its header before any pixel is decoded, and decodes
/// queue behind Media:MaxConcurrentDecodes. The legitimate twin: large real images, several at once, are answered.
/// </summary>
public sealed class ImageBombTests(ImageBombFixture fixture) : IClassFixture<ImageBombFixture>
{
    private WorkerHarness H => fixture.Harness;

    [Fact]
    public async Task A_small_PNG_declaring_20000_by_20000_pixels_is_refused_from_its_header_and_the_user_told()
    {
        var bomb = PngDeclaring(20_000, 20_000);
        Assert.True(bomb.Length < 1024, $"the bomb is {bomb.Length} bytes");
        H.WeChat.Media["m-bomb"] = (bomb, "image/png");

        await H.EnqueueAsync("u-bomb", JobMedia.ImagePlaceholder, new JobMedia(JobMedia.Image, "m-bomb"));
        await H.WaitUntilAsync(() => H.WeChat.MessagesTo("u-bomb").Count == 1, "the reply");

        Assert.Equal([MediaSteps.UnreadableImageText], H.WeChat.MessagesTo("u-bomb"));
        Assert.DoesNotContain(H.Llm.Images, image => image.Bytes.AsSpan().SequenceEqual(bomb));
        // Production logs are JSON, where × is written \u00D7.
        await H.WaitUntilAsync(
            () => fixture.Worker.Output.Contains("more than Media:MaxImagePixels (4000000)", StringComparison.Ordinal)
                  && (fixture.Worker.Output.Contains("20000×20000", StringComparison.Ordinal) || fixture.Worker.Output.Contains("20000\\u00D720000", StringComparison.Ordinal)),
            "the reason in the log");
        Assert.Equal(HttpStatusCode.OK, await fixture.Worker.GetStatusAsync("/health"));
    }

    [Fact]
    public async Task An_image_over_Media_MaxImagePixels_is_refused_before_it_is_decoded_or_sent_on()
    {
        var wide = TestImages.Solid(2500, 2000, SKColors.Purple); // 5 megapixels, a few kilobytes
        H.WeChat.Media["m-wide"] = (wide, "image/png");

        await H.EnqueueAsync("u-wide", JobMedia.ImagePlaceholder, new JobMedia(JobMedia.Image, "m-wide"));
        await H.WaitUntilAsync(() => H.WeChat.MessagesTo("u-wide").Count == 1, "the reply");

        Assert.Equal([MediaSteps.UnreadableImageText], H.WeChat.MessagesTo("u-wide"));
        Assert.DoesNotContain(H.Llm.Images, image => image.Bytes.AsSpan().SequenceEqual(wide));
    }

    [Fact]
    public async Task Large_real_images_sent_together_are_all_decoded_in_turn_and_answered()
    {
        var noise = TestImages.NoisePng(1600, 1200, seed: 21); // 1.9 megapixels, over 2 MB: decoded and re-encoded
        string[] users = ["u-big-1", "u-big-2", "u-big-3"];
        foreach (var user in users)
        {
            H.WeChat.Media["m-" + user] = (noise, "image/png");
            await H.EnqueueAsync(user, JobMedia.ImagePlaceholder, new JobMedia(JobMedia.Image, "m-" + user));
        }

        await H.WaitUntilAsync(() => users.All(user => H.WeChat.MessagesTo(user).Count == 1), "three answers", TimeSpan.FromSeconds(60));

        foreach (var user in users)
        {
            Assert.StartsWith("图片：image/jpeg，", Assert.Single(H.WeChat.MessagesTo(user)), StringComparison.Ordinal);
        }
    }

    /// <summary>A valid PNG header (signature, IHDR with its CRC) declaring the size, and one tiny IDAT: no pixels to speak of.</summary>
    private static byte[] PngDeclaring(int width, int height)
    {
        var real = TestImages.Solid(1, 1, SKColors.Purple);
        var ihdrData = real.AsSpan(16, 13).ToArray(); // after the signature (8), IHDR's length (4) and type (4)
        BinaryPrimitives.WriteInt32BigEndian(ihdrData.AsSpan(0), width);
        BinaryPrimitives.WriteInt32BigEndian(ihdrData.AsSpan(4), height);
        var bomb = real.ToArray();
        ihdrData.CopyTo(bomb, 16);
        BinaryPrimitives.WriteUInt32BigEndian(bomb.AsSpan(29), Crc32([.. "IHDR"u8, .. ihdrData]));
        return bomb;
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
