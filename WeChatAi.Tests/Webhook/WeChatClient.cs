using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using WeChatAi.Core.WeChat;

namespace WeChatAi.Tests.Webhook;

/// <summary>Plays WeChat's servers: signs query strings, builds pushes, posts them to a running API.</summary>
/// <param name="appId">With <paramref name="encodingAesKey"/>: the account is in safe mode and <see cref="PostAsync"/> encrypts.</param>
internal sealed class WeChatClient(HttpClient http, string token, string? appId = null, string? encodingAesKey = null)
{
    public const string Account = "gh_account";

    public HttpClient Http => http;

    public static string Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>SHA1 of the sorted parts, written here independently of <see cref="WeChatSignature"/>.</summary>
    public static string Sha1Signature(params string[] parts)
    {
        var sorted = parts.ToArray();
        Array.Sort(sorted, StringComparer.Ordinal);
#pragma warning disable CA5350 // The WeChat protocol defines the signature as SHA1.
        return Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(string.Concat(sorted))));
#pragma warning restore CA5350
    }

    /// <summary>A fresh nonce per query, as WeChat sends: a signed query string admits one message.</summary>
    public string SignedQuery(string? timestamp = null, string? nonce = null)
    {
        timestamp ??= Now();
        nonce ??= RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        return $"signature={Sha1Signature(token, timestamp, nonce)}&timestamp={timestamp}&nonce={nonce}";
    }

    public Task<HttpResponseMessage> PostPlainAsync(string xml, string? query = null) =>
        http.PostAsync(new Uri("/wechat?" + (query ?? SignedQuery()), UriKind.Relative), new StringContent(xml, Encoding.UTF8, "text/xml"), TestContext.Current.CancellationToken);

    /// <summary>
    /// Posts <paramref name="xml"/> as WeChat does to this account: in safe mode when the client has the account's key
    /// (and, like WeChat, reads the encrypted reply: the response then carries the decrypted XML), else in plaintext.
    /// </summary>
    public Task<HttpResponseMessage> PostAsync(string xml) => PostAsync(Request(xml));

    /// <summary>The push <see cref="PostAsync"/> sends, for a test that adds headers first.</summary>
    public HttpRequestMessage Request(string xml)
    {
        if (encodingAesKey is null)
        {
            return new HttpRequestMessage(HttpMethod.Post, new Uri("/wechat?" + SignedQuery(), UriKind.Relative))
            {
                Content = new StringContent(xml, Encoding.UTF8, "text/xml"),
            };
        }

        using var crypto = new WeChatMessageCrypto(appId!, encodingAesKey);
        string timestamp = Now();
        string nonce = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        string encrypt = crypto.Encrypt(xml);
        return new HttpRequestMessage(
            HttpMethod.Post,
            new Uri($"/wechat?{SignedQuery(timestamp, nonce)}&encrypt_type=aes&msg_signature={Sha1Signature(token, timestamp, nonce, encrypt)}", UriKind.Relative))
        {
            Content = new StringContent($"<xml><ToUserName><![CDATA[{Account}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>", Encoding.UTF8, "text/xml"),
        };
    }

    /// <summary>Sends a push from <see cref="Request"/>; a safe-mode reply is checked and decrypted as WeChat does.</summary>
    public async Task<HttpResponseMessage> PostAsync(HttpRequestMessage request)
    {
        using (request)
        {
            var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            if (encodingAesKey is null || !response.IsSuccessStatusCode)
            {
                return response;
            }

            string body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            if (!body.StartsWith("<xml>", StringComparison.Ordinal))
            {
                return response;
            }

            var envelope = WeChatXml.Parse(body);
            string encrypt = envelope.GetEncrypt();
            Assert.Equal(Sha1Signature(token, envelope.GetRequired("TimeStamp"), envelope.GetRequired("Nonce"), encrypt), envelope.GetRequired("MsgSignature"));
            using var crypto = new WeChatMessageCrypto(appId!, encodingAesKey);
            response.Content = new StringContent(crypto.Decrypt(encrypt), Encoding.UTF8, "text/xml");
            return response;
        }
    }

    /// <summary>Posts <paramref name="xml"/> in safe mode; <paramref name="plaintextToo"/> gives compatible mode.</summary>
    public Task<HttpResponseMessage> PostEncryptedAsync(WeChatMessageCrypto crypto, string xml, string? plaintextToo = null, string? msgSignature = null)
    {
        string timestamp = Now();
        const string nonce = "safenonce";
        string encrypt = crypto.Encrypt(xml);
        string body = $"<xml><ToUserName><![CDATA[{Account}]]></ToUserName>{plaintextToo}<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>";
        msgSignature ??= Sha1Signature(token, timestamp, nonce, encrypt);
        return PostPlainAsync(body, $"{SignedQuery(timestamp, nonce)}&encrypt_type=aes&msg_signature={msgSignature}");
    }

    public static async Task<(HttpStatusCode Status, string Body)> SendAsync(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        return (response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    public static string Text(string openId, long msgId, string content) =>
        $"<xml><ToUserName><![CDATA[{Account}]]></ToUserName><FromUserName><![CDATA[{openId}]]></FromUserName>" +
        $"<CreateTime>1714037059</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msgId}</MsgId></xml>";

    public static string Event(string openId, string @event, long createTime = 1714037059) =>
        $"<xml><ToUserName><![CDATA[{Account}]]></ToUserName><FromUserName><![CDATA[{openId}]]></FromUserName>" +
        $"<CreateTime>{createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{@event}]]></Event><EventKey><![CDATA[]]></EventKey></xml>";

    /// <summary>The Content of a passive text reply (or the whole body when it is not XML, e.g. <c>success</c>).</summary>
    public static string ReplyContent(string body)
    {
        if (!body.StartsWith("<xml>", StringComparison.Ordinal))
        {
            return body;
        }

        var document = WeChatXml.Parse(body);
        Assert.Equal("text", document.Get("MsgType"));
        return document.GetRequired("Content");
    }
}
