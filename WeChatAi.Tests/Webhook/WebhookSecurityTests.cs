using System.Globalization;
using System.Net;
using System.Text;
using WeChatAi.Core.WeChat;
using WeChatAi.Tests.WeChat;

namespace WeChatAi.Tests.Webhook;

/// <summary>Requests that must be refused, against the real API and Redis; none of them may create a job.</summary>
public sealed class WebhookSecurityTests(WebhookFixture api) : IClassFixture<WebhookFixture>
{
    private WeChatClient WeChat => api.WeChat;

    [Fact]
    public async Task Verification_with_a_wrong_signature_is_401()
    {
        string timestamp = WeChatClient.Now();
        string wrong = WeChatClient.Sha1Signature("not-the-token", timestamp, "n");
        using var response = await WeChat.Http.GetAsync(new Uri($"/wechat?signature={wrong}&timestamp={timestamp}&nonce=n&echostr=e", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Tampered_signature_is_401_and_enqueues_nothing()
    {
        long before = await api.JobCountAsync();
        string timestamp = WeChatClient.Now();
        string wrong = WeChatClient.Sha1Signature("not-the-token", timestamp, "n");

        var (status, _) = await WeChatClient.SendAsync(WeChat.PostPlainAsync(
            WeChatClient.Text("o-tamper", 1, "hi"), $"signature={wrong}&timestamp={timestamp}&nonce=n"));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(before, await api.JobCountAsync());
    }

    [Fact]
    public async Task Tampered_msg_signature_is_401_and_enqueues_nothing()
    {
        long before = await api.JobCountAsync();
        using var crypto = new WeChatMessageCrypto(WebhookFixture.AppId, WebhookFixture.EncodingAesKey);

        var (status, body) = await WeChatClient.SendAsync(WeChat.PostEncryptedAsync(
            crypto, WeChatClient.Text("o-tamper-safe", 1, "hi"), msgSignature: new string('a', 40)));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("msg_signature", body, StringComparison.Ordinal);
        Assert.Equal(before, await api.JobCountAsync());
    }

    [Fact]
    public async Task Message_encrypted_for_another_AppId_is_400_and_enqueues_nothing()
    {
        long before = await api.JobCountAsync();
        using var otherAccount = new WeChatMessageCrypto("wx0000000000000000", WebhookFixture.EncodingAesKey);

        var (status, body) = await WeChatClient.SendAsync(WeChat.PostEncryptedAsync(otherAccount, WeChatClient.Text("o-other-app", 1, "hi")));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("AppId", body, StringComparison.Ordinal);
        Assert.Equal(before, await api.JobCountAsync());
    }

    [Theory]
    [InlineData(HostileXml.Xxe, false)]
    [InlineData(HostileXml.BillionLaughs, false)]
    [InlineData(HostileXml.Xxe, true)]
    [InlineData(HostileXml.BillionLaughs, true)]
    public async Task XML_with_a_DTD_is_400_and_enqueues_nothing(string xml, bool encrypted)
    {
        long before = await api.JobCountAsync();
        using var crypto = new WeChatMessageCrypto(WebhookFixture.AppId, WebhookFixture.EncodingAesKey);

        var (status, body) = await WeChatClient.SendAsync(encrypted ? WeChat.PostEncryptedAsync(crypto, xml) : WeChat.PostAsync(xml));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("DTD", body, StringComparison.Ordinal);
        Assert.DoesNotContain("root:", body, StringComparison.Ordinal);
        Assert.Equal(before, await api.JobCountAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_70_KB_body_is_413_with_or_without_Content_Length(bool chunked)
    {
        long before = await api.JobCountAsync();
        string xml = WeChatClient.Text("o-big", 1, new string('x', 70 * 1024));
        var request = WeChat.Request(xml);
        request.Headers.TransferEncodingChunked = chunked;

        using var response = await WeChat.PostAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(before, await api.JobCountAsync());
    }

    [Fact]
    public async Task Malformed_XML_is_400_saying_so()
    {
        var (status, body) = await WeChatClient.SendAsync(WeChat.PostAsync("<xml><ToUserName>gh</ToUserName>"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Malformed XML", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_without_a_required_element_is_400_naming_it()
    {
        var (status, body) = await WeChatClient.SendAsync(WeChat.PostAsync(
            "<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>hi</Content></xml>"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("<MsgId>", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "timestamp=1", "signature, nonce, echostr")]
    [InlineData("POST", "nonce=n", "signature, timestamp")]
    [InlineData("POST", "signature=s&timestamp=1&nonce=n&encrypt_type=aes", "msg_signature")]
    public async Task Missing_query_parameters_are_400_and_named(string method, string query, string named)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri("/wechat?" + query, UriKind.Relative));
        if (method == "POST")
        {
            request.Content = new StringContent(WeChatClient.Text("o-missing", 1, "hi"));
        }

        using var response = await WeChat.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(named, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stale_timestamp_is_401_even_when_correctly_signed()
    {
        long before = await api.JobCountAsync();
        string old = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 301).ToString(CultureInfo.InvariantCulture);

        var (status, body) = await WeChatClient.SendAsync(WeChat.PostPlainAsync(WeChatClient.Text("o-stale", 1, "hi"), WeChat.SignedQuery(old)));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("stale timestamp", body, StringComparison.Ordinal);
        Assert.Equal(before, await api.JobCountAsync());
    }
}
