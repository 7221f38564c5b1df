using System.Text;
using StackExchange.Redis;
using WeChatAi.Core.Queue;
using Xunit;

namespace WeChatAi.UnitTests.Worker;

public sealed class AiJobTests
{
    [Fact]
    public void A_job_survives_the_stream_entry_unchanged_with_Chinese_text_unescaped()
    {
        var job = new AiJob("wx1", "o-1", 42, "今天天气怎么样？\"引号\"\n换行", 1_714_037_059_000, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", null);

        var entry = new StreamEntry("1-0", job.ToStreamEntry());

        Assert.Equal(job, AiJob.FromStreamEntry(entry));
        Assert.Equal("wx1:o-1:42", AiJob.FromStreamEntry(entry).JobId);
        Assert.Contains("今天天气怎么样", Encoding.UTF8.GetString(job.ToJson()), StringComparison.Ordinal);
        Assert.DoesNotContain("tracestate", Encoding.UTF8.GetString(job.ToJson()), StringComparison.Ordinal);
    }

    [Fact]
    public void A_media_job_keeps_its_media_and_a_text_job_writes_none()
    {
        var image = new AiJob("wx1", "o-1", 43, JobMedia.ImagePlaceholder, 1, null, null, new JobMedia(JobMedia.Image, "m-1", "http://p/1.jpg"));
        var voice = new AiJob("wx1", "o-1", 44, JobMedia.VoicePlaceholder, 1, null, null, new JobMedia(JobMedia.Voice, "m-2", Format: "amr"));

        Assert.Equal(image, AiJob.FromStreamEntry(new StreamEntry("1-0", image.ToStreamEntry())));
        Assert.Equal(voice, AiJob.FromStreamEntry(new StreamEntry("1-0", voice.ToStreamEntry())));
        Assert.Contains("\"media\":{\"kind\":\"voice\",\"media_id\":\"m-2\",\"format\":\"amr\"}", Encoding.UTF8.GetString(voice.ToJson()), StringComparison.Ordinal);
        Assert.DoesNotContain("media", Encoding.UTF8.GetString(new AiJob("wx1", "o-1", 45, "hi", 1, null, null).ToJson()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("job", "{\"app_id\":\"wx1\",\"open_id\":\"o\",\"msg_id\":1,\"content\":\"[图片]\",\"received_at\":1,\"media\":{\"kind\":\"video\",\"media_id\":\"m\"}}", "without 'media.kind (image or voice)'")]
    [InlineData("job", "{\"app_id\":\"wx1\",\"open_id\":\"o\",\"msg_id\":1,\"content\":\"[图片]\",\"received_at\":1,\"media\":{\"kind\":\"image\",\"media_id\":\"\"}}", "without 'media.media_id'")]
    [InlineData("job", "{\"app_id\":\"wx1\",\"open_id\":\"o\",\"msg_id\":1,\"content\":\"[图片]\",\"received_at\":1,\"media\":{\"media_id\":\"m\"}}", "without 'media.kind (image or voice)'")]
    [InlineData("other", "{}", "has no 'job' field")]
    [InlineData("job", "{\"app_id\":", "malformed job JSON")]
    [InlineData("job", "[1]", "malformed job JSON")]
    [InlineData("job", "null", "JSON null, not a job")]
    [InlineData("job", "{\"app_id\":\"wx1\",\"msg_id\":1,\"content\":\"hi\",\"received_at\":1}", "without 'open_id'")]
    [InlineData("job", "{\"app_id\":\"wx1\",\"open_id\":\"o\",\"msg_id\":1,\"received_at\":1}", "without 'content'")]
    [InlineData("job", "{\"app_id\":\"wx1\",\"open_id\":\"o\",\"msg_id\":\"x\",\"content\":\"hi\",\"received_at\":1}", "malformed job JSON")]
    public void A_bad_entry_is_a_FormatException_saying_what_is_wrong(string field, string value, string expected)
    {
        var entry = new StreamEntry("7-0", [new NameValueEntry(field, value)]);

        var ex = Assert.Throws<FormatException>(() => AiJob.FromStreamEntry(entry));

        Assert.Contains("7-0", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }
}
