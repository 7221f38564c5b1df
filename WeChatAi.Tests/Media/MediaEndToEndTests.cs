using System.Net;
using SkiaSharp;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Webhook;
using WeChatAi.Tests.Worker;

namespace WeChatAi.Tests.Media;

/// <summary>
/// Images and voice end to end: the real API and worker processes, real Redis and PostgreSQL, and fakes of WeChat's
/// API (media/get, the PicUrl host) and of the LLM (vision, /audio/transcriptions), independent of the simulator.
/// </summary>
public sealed class MediaEndToEndTests(PostgresServer postgres)
{
    private const string Token = "media-test-token";

    [Fact]
    public async Task An_image_and_a_voice_message_without_Recognition_are_answered_from_the_vision_and_transcription_endpoints()
    {
        await using var harness = await WorkerHarness.StartAsync(postgres);
        Dictionary<string, string?> models = new() { ["Llm__VisionModel"] = "e2e-vision", ["Llm__TranscriptionModel"] = "e2e-whisper" };
        await harness.StartWorkerAsync(WorkerHarness.LocalPicUrls(models));
        await using var api = await ServiceProcess.StartAsync("WeChatAi.Api", new Dictionary<string, string?>(models)
        {
            ["ConnectionStrings__redis"] = harness.Redis.ConnectionString,
            ["ConnectionStrings__wechatdb"] = harness.Database,
            ["WeChat__Token"] = Token,
            ["WeChat__AppId"] = WorkerHarness.AppId,
        });
        var weChatServers = new WeChatClient(api.Client, Token);

        using var bitmap = new SKBitmap(40, 30);
        bitmap.Erase(SKColors.Orange);
        using var picture = SKImage.FromBitmap(bitmap);
        using var encoded = picture.Encode(SKEncodedImageFormat.Png, 100);
        var png = encoded.ToArray();
        harness.WeChat.Pictures["photo.png"] = (png, "image/png");
        harness.WeChat.Media["voice-1"] = (await File.ReadAllBytesAsync(
            Path.Combine(Repository.Root, "WeChatAi.Simulator", "WeChatApi", "tone.amr"), TestContext.Current.CancellationToken), "audio/amr");
        harness.Llm.Transcribe = audio => $"语音有{audio.Bytes.Length}字节吗";

        var image = await WeChatClient.SendAsync(weChatServers.PostPlainAsync(
            $"<xml><ToUserName>gh_account</ToUserName><FromUserName>o-e2e</FromUserName><CreateTime>1</CreateTime><MsgType>image</MsgType>" +
            $"<PicUrl><![CDATA[{harness.WeChat.PictureUrl("photo.png")}]]></PicUrl><MediaId>image-1</MediaId><MsgId>7001</MsgId></xml>"));
        await harness.WaitUntilAsync(() => harness.WeChat.MessagesTo("o-e2e").Count == 1, "the image answer");
        var voice = await WeChatClient.SendAsync(weChatServers.PostPlainAsync(
            "<xml><ToUserName>gh_account</ToUserName><FromUserName>o-e2e</FromUserName><CreateTime>2</CreateTime><MsgType>voice</MsgType>" +
            "<MediaId>voice-1</MediaId><Format>amr</Format><MsgId>7002</MsgId></xml>"));
        await harness.WaitUntilAsync(() => harness.WeChat.MessagesTo("o-e2e").Count == 2, "the voice answer");

        Assert.Equal(HttpStatusCode.OK, image.Status);
        Assert.Equal(HttpStatusCode.OK, voice.Status);
        var audio = Assert.Single(harness.Llm.Transcriptions);
        Assert.Equal([$"图片：image/png，{png.Length} 字节", $"答复：语音有{audio.Bytes.Length}字节吗"], harness.WeChat.MessagesTo("o-e2e"));
        Assert.Equal("e2e-vision", Assert.Single(harness.Llm.Images).Model);
        Assert.Equal(png, harness.Llm.Images.Single().Bytes);
        Assert.Equal(("e2e-whisper", "voice.wav"), (audio.Model, audio.FileName));
    }
}
