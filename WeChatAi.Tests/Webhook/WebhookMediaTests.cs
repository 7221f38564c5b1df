using System.Net;
using WeChatAi.Api.Webhook;
using WeChatAi.Core.Queue;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Webhook;

/// <summary>The API with a vision and a transcription model configured for the worker.</summary>
public sealed class MediaWebhookFixture(PostgresServer postgres) : WebhookFixture(postgres)
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
    [
        new("Llm__VisionModel", "test-vision"),
        new("Llm__TranscriptionModel", "test-whisper"),
    ];
}

/// <summary>Images and voice files end to end: real HTTP to the API process, the job read back from the real Redis stream.</summary>
public sealed class WebhookMediaTests(MediaWebhookFixture api) : IClassFixture<MediaWebhookFixture>
{
    [Fact]
    public async Task An_image_is_enqueued_with_its_PicUrl_and_MediaId_and_acknowledged()
    {
        var (status, body) = await WeChatClient.SendAsync(api.WeChat.PostAsync(Message("o-image", 2001,
            "<MsgType>image</MsgType><PicUrl><![CDATA[http://mmbiz.example/pic.jpg]]></PicUrl><MediaId>media-img</MediaId>")));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(WebhookFixture.AckText, WeChatClient.ReplyContent(body));
        var job = await FindJobAsync("o-image", 2001);
        Assert.Equal(JobMedia.ImagePlaceholder, job.Content);
        Assert.Equal(new JobMedia(JobMedia.Image, "media-img", "http://mmbiz.example/pic.jpg"), job.Media);
    }

    [Fact]
    public async Task Voice_without_recognition_is_enqueued_with_its_MediaId_and_format()
    {
        var (status, body) = await WeChatClient.SendAsync(api.WeChat.PostAsync(Message("o-voice", 2002,
            "<MsgType>voice</MsgType><MediaId>media-voice</MediaId><Format>amr</Format>")));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(WebhookFixture.AckText, WeChatClient.ReplyContent(body));
        var job = await FindJobAsync("o-voice", 2002);
        Assert.Equal(JobMedia.VoicePlaceholder, job.Content);
        Assert.Equal(new JobMedia(JobMedia.Voice, "media-voice", Format: "amr"), job.Media);
    }

    [Fact]
    public async Task Voice_with_recognition_still_goes_as_text_without_media()
    {
        await WeChatClient.SendAsync(api.WeChat.PostAsync(Message("o-voice-text", 2003,
            "<MsgType>voice</MsgType><MediaId>m</MediaId><Format>amr</Format><Recognition>明天下雨吗</Recognition>")));

        var job = await FindJobAsync("o-voice-text", 2003);
        Assert.Equal("明天下雨吗", job.Content);
        Assert.Null(job.Media);
    }

    [Theory]
    [InlineData("<MsgType>video</MsgType><MediaId>m</MediaId><ThumbMediaId>t</ThumbMediaId>")]
    [InlineData("<MsgType>location</MsgType><Location_X>23.1</Location_X><Location_Y>113.3</Location_Y><Scale>20</Scale><Label>广州</Label>")]
    [InlineData("<MsgType>link</MsgType><Title>t</Title><Description>d</Description><Url>http://u</Url>")]
    public async Task Video_location_and_link_stay_unsupported(string fields)
    {
        long before = await api.JobCountAsync();

        var (_, body) = await WeChatClient.SendAsync(api.WeChat.PostAsync(Message("o-other", 2004, fields)));

        Assert.Equal(ReplyTexts.UnsupportedText, WeChatClient.ReplyContent(body));
        Assert.Equal(before, await api.JobCountAsync());
    }

    private static string Message(string openId, long msgId, string fields) =>
        $"<xml><ToUserName>gh_account</ToUserName><FromUserName>{openId}</FromUserName><CreateTime>1</CreateTime>{fields}<MsgId>{msgId}</MsgId></xml>";

    private async Task<AiJob> FindJobAsync(string openId, long msgId)
    {
        var entries = await api.Redis.JobEntriesAsync();
        return Assert.Single(entries.Select(AiJob.FromStreamEntry), job => job.JobId == AiJob.CreateJobId(WebhookFixture.AppId, openId, msgId));
    }
}
