using SkiaSharp;
using WeChatAi.Tests.Infrastructure;
using WeChatAi.Tests.Worker;
using WeChatAi.Worker.Common;
using WeChatAi.Worker.Pipeline;

namespace WeChatAi.Tests.Security;

/// <summary>
/// Issue 21, item 2, black-box: an image message whose PicUrl points inside (loopback in its spellings, a listed host
/// resolving to loopback, a redirect) makes the real worker fetch nothing there; the user is told the image cannot be
/// read, on the first attempt. The legitimate twins: an image from media/get, and (development) from its PicUrl.
/// </summary>
public sealed class OutboundFetchTests(OutboundFetchFixture fixture) : IClassFixture<OutboundFetchFixture>
{
    private WorkerHarness Production => fixture.Production;

    private RecordingListener Internal => fixture.Internal;

    [Theory]
    [InlineData("u-literal", "http://127.0.0.1:{port}/internal/admin?literal")]
    [InlineData("u-decimal", "http://2130706433:{port}/internal/admin?decimal")]
    [InlineData("u-hex", "http://0x7f000001:{port}/internal/admin?hex")]
    [InlineData("u-octal", "http://0177.0.0.1:{port}/internal/admin?octal")]
    [InlineData("u-mapped", "http://[::ffff:127.0.0.1]:{port}/internal/admin?mapped")]
    [InlineData("u-userinfo", "http://mmbiz.qpic.cn@127.0.0.1:{port}/internal/admin?userinfo")]
    [InlineData("u-listed-loopback", "http://localhost:{port}/internal/admin?listed-loopback")]
    public async Task A_PicUrl_pointing_inside_is_never_fetched_and_the_user_is_told_at_once(string openId, string picUrl)
    {
        var url = picUrl.Replace("{port}", Internal.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var job = await OutboundFetchFixture.SendImageAsync(Production, openId, url);

        await Production.WaitUntilAsync(() => Production.WeChat.MessagesTo(openId).Count == 1, "the reply");

        Assert.Equal([MediaSteps.UnreadableImageText], Production.WeChat.MessagesTo(openId));
        Assert.Empty(Internal.HitsOf("/internal/admin?" + url.Split('?')[1]));
        Assert.Equal("1", (string?)await Production.Db.HashGetAsync(WorkerKeys.Job(TestShards.Of(job.OpenId), job.JobId), "attempts"));
    }

    [Fact]
    public async Task The_refusal_is_logged_with_its_reason_and_the_setting_to_look_at()
    {
        var url = $"http://127.0.0.1:{Internal.BaseAddress.Port}/internal/admin?logged";
        await OutboundFetchFixture.SendImageAsync(Production, "u-logged", url);

        await Production.WaitUntilAsync(() => Production.WeChat.MessagesTo("u-logged").Count == 1, "the reply");

        await Production.WaitUntilAsync(
            () => fixture.ProductionWorker.Output.Contains("The host 127.0.0.1 is not on the allowed list", StringComparison.Ordinal)
                  && fixture.ProductionWorker.Output.Contains("Media:AllowedImageHosts", StringComparison.Ordinal),
            "the warning");
    }

    [Fact]
    public async Task Only_the_development_worker_announces_its_escape_hatch_at_startup()
    {
        const string Warning = "Media:AllowPrivateAddresses is on";
        await fixture.Development.WaitUntilAsync(() => fixture.DevelopmentWorker.Output.Contains(Warning, StringComparison.Ordinal), "the warning");

        Assert.DoesNotContain(Warning, fixture.ProductionWorker.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_real_image_from_media_get_is_answered_and_its_PicUrl_not_even_tried()
    {
        var png = Png(48, 32);
        Production.WeChat.Media["m-legit"] = (png, "image/png");
        var url = $"http://127.0.0.1:{Internal.BaseAddress.Port}/internal/admin?legit";

        await OutboundFetchFixture.SendImageAsync(Production, "u-legit", url, "m-legit");
        await Production.WaitUntilAsync(() => Production.WeChat.MessagesTo("u-legit").Count == 1, "the image answer");

        Assert.Equal([$"图片：image/png，{png.Length} 字节"], Production.WeChat.MessagesTo("u-legit"));
        Assert.Empty(Internal.HitsOf("/internal/admin?legit"));
    }

    [Fact]
    public async Task An_allowed_host_redirecting_inside_is_not_followed_even_in_development()
    {
        var development = fixture.Development;
        var inside = Internal.Url("/internal/admin?redirected");
        var url = Internal.Url("/redirect?to=" + Uri.EscapeDataString(inside.ToString())).ToString();

        var job = await OutboundFetchFixture.SendImageAsync(development, "u-redirect", url);
        await development.WaitUntilAsync(() => development.WeChat.MessagesTo("u-redirect").Count == 1, "the reply");

        Assert.Equal([MediaSteps.UnreadableImageText], development.WeChat.MessagesTo("u-redirect"));
        Assert.Single(Internal.HitsOf("/redirect?to=" + Uri.EscapeDataString(inside.ToString())));
        Assert.Empty(Internal.HitsOf("/internal/admin?redirected"));
        Assert.Equal("1", (string?)await development.Db.HashGetAsync(WorkerKeys.Job(TestShards.Of(job.OpenId), job.JobId), "attempts"));
    }

    [Fact]
    public async Task In_development_a_PicUrl_on_a_listed_host_serves_the_image_when_media_get_cannot()
    {
        var development = fixture.Development;
        var png = Png(40, 30);
        development.WeChat.Pictures["dev.png"] = (png, "image/png");

        await OutboundFetchFixture.SendImageAsync(development, "u-dev", development.WeChat.PictureUrl("dev.png").ToString());
        await development.WaitUntilAsync(() => development.WeChat.MessagesTo("u-dev").Count == 1, "the image answer");

        Assert.Equal([$"图片：image/png，{png.Length} 字节"], development.WeChat.MessagesTo("u-dev"));
        Assert.Contains("dev.png", development.WeChat.PictureRequests);
    }

    [Theory]
    [InlineData("*.qpic.cn", "Media:AllowedImageHosts: '*.qpic.cn' has a wildcard")]
    [InlineData("https://mmbiz.qpic.cn", "Media:AllowedImageHosts: 'https://mmbiz.qpic.cn' is not a host name")]
    public async Task A_bad_image_host_entry_stops_the_worker_naming_the_setting(string hosts, string message)
    {
        var failed = await Record.ExceptionAsync(async () =>
        {
            await using var worker = await ServiceProcess.StartAsync("WeChatAi.Worker", Production.Environment(new Dictionary<string, string?> { ["Media__AllowedImageHosts"] = hosts }));
        });

        Assert.Contains(message, Assert.IsType<InvalidOperationException>(failed).Message, StringComparison.Ordinal);
    }

    private static byte[] Png(int width, int height)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(SKColors.Green);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
