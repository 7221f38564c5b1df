using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using WeChatAi.Core.WeChat;
using WeChatAi.Tests.Infrastructure;

namespace WeChatAi.Tests.Simulator;

/// <summary>The simulator's images and voice: what the chat page sends, the media it serves, and its vision and speech-to-text models.</summary>
public sealed class SimulatorMediaTests
{
    [Fact]
    public async Task A_chat_page_image_goes_out_with_a_PicUrl_and_MediaId_that_both_serve_it()
    {
        await using var webhook = await FakeWebhook.StartAsync();
        await using var simulator = await SimulatorProcess.StartAsync(webhook.Url);
        var openId = await UserAsync(simulator);

        await simulator.PostJsonAsync($"/sim/users/{openId}/image", new { color = "#00ff00", format = "png", width = 100, height = 80, safeMode = false });

        var image = Assert.IsType<ImageMessage>(WeChatInbound.From(WeChatXml.Parse(Assert.Single(webhook.Requests).Body)));
        var fromPicUrl = await simulator.Client.GetByteArrayAsync(new Uri(image.PicUrl), TestContext.Current.CancellationToken);
        Assert.Equal("\x89PNG", Encoding.Latin1.GetString(fromPicUrl, 0, 4));
        var token = await simulator.StableTokenAsync();
        Assert.Equal(fromPicUrl, await MediaGetAsync(simulator, token, image.MediaId));

        Assert.Equal(40007, (await ErrorAsync(simulator, token, "no-such-media")).GetProperty("errcode").GetInt32());
        Assert.Equal(40001, (await ErrorAsync(simulator, "bad-token", image.MediaId)).GetProperty("errcode").GetInt32());

        // The fake vision model looks at the picture: its size and colour come from the image, not the request.
        var answer = await AskAsync(simulator, "data:image/png;base64," + Convert.ToBase64String(fromPicUrl));
        Assert.Contains("100×80", answer, StringComparison.Ordinal);
        Assert.Contains("#00FF00", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Voice_messages_carry_a_real_AMR_file_with_or_without_recognition()
    {
        await using var webhook = await FakeWebhook.StartAsync();
        await using var simulator = await SimulatorProcess.StartAsync(webhook.Url);
        var openId = await UserAsync(simulator);

        await simulator.PostJsonAsync($"/sim/users/{openId}/voice", new { safeMode = false });
        await simulator.PostJsonAsync($"/sim/users/{openId}/voice", new { recognition = "明天下雨吗", safeMode = false });

        var voices = webhook.Requests.Select(r => Assert.IsType<VoiceMessage>(WeChatInbound.From(WeChatXml.Parse(r.Body)))).ToArray();
        Assert.Equal([null, "明天下雨吗"], voices.Select(v => v.Recognition));
        Assert.All(voices, v => Assert.Equal("amr", v.Format));
        var amr = await MediaGetAsync(simulator, await simulator.StableTokenAsync(), voices[0].MediaId);
        Assert.Equal("#!AMR\n", Encoding.ASCII.GetString(amr, 0, 6));
        Assert.True(await FfmpegDecodesAsync(amr), "ffmpeg decodes the simulator's AMR file");
    }

    [Fact]
    public async Task The_transcription_endpoint_takes_OpenAIs_multipart_upload()
    {
        await using var simulator = await SimulatorProcess.StartAsync(new Uri($"http://127.0.0.1:{FreePort.Next()}/wechat"));
        using var form = new MultipartFormDataContent
        {
            { new StringContent("simulator-whisper"), "model" },
            { new ByteArrayContent(new byte[1234]), "file", "voice.wav" },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/audio/transcriptions", UriKind.Relative)) { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "simulator");

        using var response = await simulator.Client.SendAsync(request, TestContext.Current.CancellationToken);

        var text = (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("text").GetString();
        Assert.Contains("voice.wav，1234 字节", text, StringComparison.Ordinal);
    }

    private static async Task<string> UserAsync(SimulatorProcess simulator) =>
        (await simulator.PostJsonAsync("/sim/users", new { name = "media" })).GetProperty("openId").GetString()!;

    private static Task<byte[]> MediaGetAsync(SimulatorProcess simulator, string token, string mediaId) =>
        simulator.Client.GetByteArrayAsync(new Uri($"/cgi-bin/media/get?access_token={token}&media_id={Uri.EscapeDataString(mediaId)}", UriKind.Relative), TestContext.Current.CancellationToken);

    private static async Task<JsonElement> ErrorAsync(SimulatorProcess simulator, string token, string mediaId) =>
        JsonDocument.Parse(await MediaGetAsync(simulator, token, mediaId)).RootElement;

    private static async Task<string> AskAsync(SimulatorProcess simulator, string dataUri)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/chat/completions", UriKind.Relative))
        {
            Content = JsonContent.Create(new
            {
                model = "simulator-vision",
                messages = new object[]
                {
                    new { role = "user", content = new object[] { new { type = "text", text = "看图" }, new { type = "image_url", image_url = new { url = dataUri } } } },
                },
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "simulator");
        using var response = await simulator.Client.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
    }

    private static async Task<bool> FfmpegDecodesAsync(byte[] amr)
    {
        var path = Path.Combine(Path.GetTempPath(), $"sim-{Guid.NewGuid():N}.amr");
        await File.WriteAllBytesAsync(path, amr, TestContext.Current.CancellationToken);
        try
        {
            using var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg", ["-hide_banner", "-loglevel", "error", "-i", path, "-f", "null", "-"]) { RedirectStandardError = true })!;
            await ffmpeg.WaitForExitAsync(TestContext.Current.CancellationToken);
            return ffmpeg.ExitCode == 0;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
