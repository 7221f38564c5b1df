using System.Net;
using System.Text;
using SkiaSharp;
using WeChatAi.Core.Queue;
using WeChatAi.Core.Stats;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Core.Memory;

namespace WeChatAi.Tests.Worker;

/// <summary>Images and voice files through the real worker: WeChat's media API, the vision model and the transcription endpoint faked over HTTP.</summary>
public sealed class WorkerMediaTests(PostgresServer postgres) : IAsyncLifetime
{
    private static readonly string ToneAmr = Path.Combine(Repository.Root, "WeChatAi.Simulator", "WeChatApi", "tone.amr");

    private WorkerHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await WorkerHarness.StartAsync(postgres);

    public async ValueTask DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task An_image_from_its_PicUrl_goes_to_the_vision_model_with_the_users_recent_turns()
    {
        // media/get does not know m-cat (errcode 40007), so the PicUrl serves it.
        await _h.StartWorkerAsync(Vision());
        var png = TestImages.Solid(320, 200, SKColors.Red, SKEncodedImageFormat.Png, quality: 90);
        _h.WeChat.Pictures["cat.png"] = (png, "image/png");
        await _h.EnqueueAsync("u-img", "我的猫叫小白");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("u-img").Count == 1, "the text answer");

        var job = await _h.EnqueueAsync("u-img", JobMedia.ImagePlaceholder, new JobMedia(JobMedia.Image, "m-cat", _h.WeChat.PictureUrl("cat.png").ToString()));
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("u-img").Count == 2, "the image answer");

        Assert.Equal($"图片：image/png，{png.Length} 字节", _h.WeChat.MessagesTo("u-img")[1]);
        var sent = Assert.Single(_h.Llm.Images);
        Assert.Equal(("test-vision", "image/png"), (sent.Model, sent.MediaType));
        Assert.Equal(png, sent.Bytes);
        var request = _h.Llm.Requests.Last();
        Assert.Equal(["system", "user", "assistant", "user"], request.Select(m => m.Role));
        Assert.Equal("我的猫叫小白", request[1].Content);
        Assert.Equal(["m-cat"], _h.WeChat.MediaRequests);

        await _h.WaitForExchangesAsync(2);
        var exchange = (await _h.ExchangesAsync()).Single(e => e.JobId == job.JobId);
        Assert.Equal((JobMedia.ImagePlaceholder, $"图片：image/png，{png.Length} 字节"), (exchange.Question, exchange.Answer));
        Assert.Equal(JobMedia.Image, exchange.Media);
    }

    [Fact]
    public async Task The_image_comes_from_media_get_first_and_its_PicUrl_is_not_fetched()
    {
        await _h.StartWorkerAsync(Vision());
        var jpeg = TestImages.Solid(64, 48, SKColors.Blue, SKEncodedImageFormat.Jpeg, quality: 90);
        _h.WeChat.Media["m-blue"] = (jpeg, "image/jpeg");

        await _h.EnqueueAsync("u-fallback", JobMedia.ImagePlaceholder, new JobMedia(JobMedia.Image, "m-blue", _h.WeChat.PictureUrl("expired.jpg").ToString()));
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("u-fallback").Count == 1, "the image answer");

        Assert.Empty(_h.WeChat.PictureRequests);
        Assert.Equal(["m-blue"], _h.WeChat.MediaRequests);
        Assert.Equal(jpeg, Assert.Single(_h.Llm.Images).Bytes);
    }

    [Fact]
    public async Task An_image_over_2_MB_is_re_encoded_below_2_MB_before_the_vision_model_sees_it()
    {
        await _h.StartWorkerAsync(Vision());
        var noise = TestImages.NoisePng(1600, 1200, seed: 14);
        Assert.True(noise.Length > 2 * 1024 * 1024, $"the test image is only {noise.Length} bytes");
        _h.WeChat.Media["m-big"] = (noise, "image/png");

        await _h.EnqueueAsync("u-big", JobMedia.ImagePlaceholder, new JobMedia(JobMedia.Image, "m-big"));
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("u-big").Count == 1, "the image answer");

        var sent = Assert.Single(_h.Llm.Images);
        Assert.Equal("image/jpeg", sent.MediaType);
        Assert.InRange(sent.Bytes.Length, 1, 2 * 1024 * 1024);
        using var decoded = SKBitmap.Decode(sent.Bytes);
        Assert.Equal(4.0 / 3, (double)decoded.Width / decoded.Height, 2);
    }

    [Fact]
    public async Task Voice_without_recognition_is_converted_by_ffmpeg_transcribed_and_answered_as_text()
    {
        await _h.StartWorkerAsync(Transcription());
        var amr = await File.ReadAllBytesAsync(ToneAmr, TestContext.Current.CancellationToken);
        _h.WeChat.Media["v-1"] = (amr, "audio/amr");
        _h.Llm.Transcribe = _ => "明天会下雨吗";

        var job = await _h.EnqueueAsync("u-voice", JobMedia.VoicePlaceholder, new JobMedia(JobMedia.Voice, "v-1", Format: "amr"));
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("u-voice").Count == 1, "the voice answer");

        Assert.Equal("答复：明天会下雨吗", _h.WeChat.MessagesTo("u-voice")[0]);
        var audio = Assert.Single(_h.Llm.Transcriptions);
        Assert.Equal(("test-whisper", "voice.wav", "RIFF"), (audio.Model, audio.FileName, Encoding.ASCII.GetString(audio.Bytes, 0, 4)));
        Assert.True(audio.Bytes.Length > 16_000 * 2, $"1.5 s of 16 kHz audio is more than {audio.Bytes.Length} bytes");
        Assert.Equal(["v-1"], _h.WeChat.MediaRequests);

        await _h.WaitForExchangesAsync(1);
        var exchange = Assert.Single(await _h.ExchangesAsync());
        Assert.Equal((job.JobId, "明天会下雨吗"), (exchange.JobId, exchange.Question));
        Assert.Equal(JobMedia.Voice, exchange.Media);
        Assert.Contains("u:明天会下雨吗", (await _h.Db.ListRangeAsync(MemoryKeys.Memory(TestShards.Of("u-voice"), WorkerHarness.AppId, "u-voice"))).Select(v => v.ToString()));

        // The overview's health counts the transcription with the answer, and media/get with the push (flushed each second).
        await _h.WaitUntilAsync(
            async () => await CallsAsync(StatsKeys.LlmService) == 2 && await CallsAsync(StatsKeys.WeChatApiService) == 2,
            "two llm calls (transcription, answer) and two wechat-api calls (media/get, push) counted");
        Assert.Equal(0, await CallsAsync(StatsKeys.LlmService, StatsKeys.ErrorsField));
        Assert.Equal(0, await CallsAsync(StatsKeys.WeChatApiService, StatsKeys.ErrorsField));
    }

    [Fact]
    public async Task An_endpoint_that_takes_AMR_gets_the_file_as_WeChat_sent_it()
    {
        await _h.StartWorkerAsync(Transcription(new Dictionary<string, string?> { ["Llm__TranscriptionFormat"] = "original" }));
        var amr = await File.ReadAllBytesAsync(ToneAmr, TestContext.Current.CancellationToken);
        _h.WeChat.Media["v-2"] = (amr, "audio/amr");

        await _h.EnqueueAsync("u-amr", JobMedia.VoicePlaceholder, new JobMedia(JobMedia.Voice, "v-2", Format: "amr"));
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("u-amr").Count == 1, "the voice answer");

        var audio = Assert.Single(_h.Llm.Transcriptions);
        Assert.Equal("voice.amr", audio.FileName);
        Assert.Equal(amr, audio.Bytes);
        Assert.Equal("答复：这是一段语音", _h.WeChat.MessagesTo("u-amr")[0]);
    }

    [Fact]
    public async Task Without_ffmpeg_the_worker_warns_at_startup_stays_healthy_and_tells_the_user()
    {
        var worker = await _h.StartWorkerAsync(Transcription(new Dictionary<string, string?> { ["Media__FfmpegPath"] = "/nonexistent/ffmpeg" }));
        await _h.WaitUntilAsync(() => worker.Output.Contains("ffmpeg cannot be run from Media:FfmpegPath", StringComparison.Ordinal) && worker.Output.Contains("/nonexistent/ffmpeg", StringComparison.Ordinal), "the ffmpeg warning");
        Assert.Equal(HttpStatusCode.OK, await worker.GetStatusAsync("/health"));
        _h.WeChat.Media["v-3"] = (await File.ReadAllBytesAsync(ToneAmr, TestContext.Current.CancellationToken), "audio/amr");

        await _h.EnqueueAsync("u-noffmpeg", JobMedia.VoicePlaceholder, new JobMedia(JobMedia.Voice, "v-3", Format: "amr"));
        await _h.EnqueueAsync("u-noffmpeg", "文字还行吗");
        await _h.WaitUntilAsync(() => _h.WeChat.MessagesTo("u-noffmpeg").Count == 2, "both answers");

        Assert.Equal(["暂时还听不懂这条语音，请发送文字。", "答复：文字还行吗"], _h.WeChat.MessagesTo("u-noffmpeg"));
        Assert.Empty(_h.Llm.Transcriptions);
        Assert.False(worker.HasExited);
    }

    /// <summary>The worker's counted calls of <paramref name="service"/> in the last three minutes.</summary>
    private async Task<long> CallsAsync(string service, Func<string, string>? field = null)
    {
        var now = DateTimeOffset.UtcNow;
        long total = 0;
        for (var minute = 0; minute < 3; minute++)
        {
            total += await _h.Db.CallsAsync(now.AddMinutes(-minute), (field ?? StatsKeys.CallsField)(service));
        }

        return total;
    }

    private static Dictionary<string, string?> Vision() => WorkerHarness.LocalPicUrls(new() { ["Llm__VisionModel"] = "test-vision" });

    private static Dictionary<string, string?> Transcription(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?> { ["Llm__TranscriptionModel"] = "test-whisper" };
        foreach (var (key, value) in more ?? [])
        {
            settings[key] = value;
        }

        return settings;
    }
}
