using System.Security.Cryptography;
using System.Text;
using WeChatAi.Core.WeChat;
using Xunit;

namespace WeChatAi.UnitTests.WeChat;

public sealed class WeChatMessageCryptoTests
{
    private const string AppId = "wxb11529c136998cb6";
    private const string Key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    private const string OtherKey = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut";
    private const string VectorMessage = "我是中文abcd123";
    private const string VectorEncrypt = "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==";

    [Fact]
    public void EncryptMatchesKnownVector()
    {
        using var crypto = new WeChatMessageCrypto(AppId, Key);

        Assert.Equal(VectorEncrypt, crypto.Encrypt(VectorMessage, "aaaabbbbccccdddd"u8));
    }

    [Fact]
    public void DecryptMatchesKnownVector()
    {
        using var crypto = new WeChatMessageCrypto(AppId, Key);

        Assert.Equal(VectorMessage, crypto.Decrypt(VectorEncrypt));
    }

    [Theory]
    [InlineData("我是中文abcd123")]
    [InlineData("<xml><Content><![CDATA[表情 😀🎉👍🏽 ok]]></Content></xml>")]
    [InlineData("")]
    public void RoundTrips(string xml)
    {
        using var crypto = new WeChatMessageCrypto(AppId, Key);

        Assert.Equal(xml, crypto.Decrypt(crypto.Encrypt(xml)));
    }

    [Fact]
    public void RoundTripsEveryPaddingLengthIncludingLongText()
    {
        using var crypto = new WeChatMessageCrypto(AppId, Key);

        for (int length = 0; length <= 200; length++)
        {
            string xml = string.Concat(Enumerable.Repeat("长", length / 3)) + new string('x', length % 3);
            string encrypt = crypto.Encrypt(xml);

            Assert.Equal(0, Convert.FromBase64String(encrypt).Length % 32);
            Assert.Equal(xml, crypto.Decrypt(encrypt));
        }
    }

    [Fact]
    public void ExactBlockMultipleGetsAWholeBlockOfPadding()
    {
        using var crypto = new WeChatMessageCrypto(AppId, Key);
        // 16 random + 4 length + 26 xml + 18 AppId = 64 bytes, already a multiple of 32.
        string xml = new('x', 26);

        string encrypt = crypto.Encrypt(xml);

        Assert.Equal(96, Convert.FromBase64String(encrypt).Length);
        Assert.Equal(xml, crypto.Decrypt(encrypt));
    }

    [Fact]
    public void OneInstanceIsSafeToShareAcrossThreads()
    {
        using var crypto = new WeChatMessageCrypto(AppId, Key);

        Parallel.For(0, 2000, i =>
        {
            string xml = $"<xml><Content>{i}</Content></xml>";
            Assert.Equal(xml, crypto.Decrypt(crypto.Encrypt(xml)));
        });
    }

    [Fact]
    public void EncryptUsesFreshRandomBytes()
    {
        using var crypto = new WeChatMessageCrypto(AppId, Key);

        Assert.NotEqual(crypto.Encrypt("same"), crypto.Encrypt("same"));
    }

    [Fact]
    public void DecryptRejectsAMessageForAnotherAppId()
    {
        using var sender = new WeChatMessageCrypto("wx0000000000000000", Key);
        using var receiver = new WeChatMessageCrypto(AppId, Key);

        var ex = Assert.Throws<WeChatProtocolException>(() => receiver.Decrypt(sender.Encrypt("<xml/>")));
        Assert.Contains("AppId mismatch", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DecryptRejectsTamperedPadding()
    {
        using var crypto = new WeChatMessageCrypto(AppId, Key);
        byte[] cipher = Convert.FromBase64String(crypto.Encrypt("<xml/>"));
        // In CBC, flipping a byte of the previous block flips the same byte of the last plaintext block: the pad value.
        cipher[^17] ^= 0xFF;

        var ex = Assert.Throws<WeChatProtocolException>(() => crypto.Decrypt(Convert.ToBase64String(cipher)));
        Assert.Contains("padding", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DecryptRejectsATamperedLength()
    {
        using var crypto = new WeChatMessageCrypto(AppId, Key);
        byte[] cipher = Convert.FromBase64String(crypto.Encrypt("<xml/>"));
        // Flips the high byte of the big-endian length, which starts the second plaintext block.
        cipher[0] ^= 0x40;

        var ex = Assert.Throws<WeChatProtocolException>(() => crypto.Decrypt(Convert.ToBase64String(cipher)));
        Assert.Contains("declares", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA==")]
    [InlineData("")]
    public void DecryptRejectsInputThatIsNotCiphertext(string encrypt)
    {
        using var crypto = new WeChatMessageCrypto(AppId, Key);

        Assert.Throws<WeChatProtocolException>(() => crypto.Decrypt(encrypt));
    }

    [Fact]
    public void DecryptFallsBackToThePreviousKeyAfterRotation()
    {
        using var oldCrypto = new WeChatMessageCrypto(AppId, Key);
        using var rotated = new WeChatMessageCrypto(AppId, OtherKey, previousEncodingAesKey: Key);
        using var newOnly = new WeChatMessageCrypto(AppId, OtherKey);
        string sentWithOldKey = oldCrypto.Encrypt("<xml>old</xml>");

        Assert.Equal("<xml>old</xml>", rotated.Decrypt(sentWithOldKey));
        Assert.Throws<WeChatProtocolException>(() => newOnly.Decrypt(sentWithOldKey));
    }

    [Fact]
    public void EncryptAfterRotationUsesTheNewKey()
    {
        using var rotated = new WeChatMessageCrypto(AppId, OtherKey, previousEncodingAesKey: Key);
        using var oldCrypto = new WeChatMessageCrypto(AppId, Key);
        using var newOnly = new WeChatMessageCrypto(AppId, OtherKey);
        string encrypt = rotated.Encrypt("<xml>new</xml>");

        Assert.Equal("<xml>new</xml>", newOnly.Decrypt(encrypt));
        Assert.Throws<WeChatProtocolException>(() => oldCrypto.Decrypt(encrypt));
    }

    [Theory]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789ABCDEF!")]
    [InlineData("")]
    public void ConstructorRejectsAMalformedKeyNamingTheSetting(string key)
    {
        var ex = Assert.Throws<ArgumentException>(() => new WeChatMessageCrypto(AppId, key));

        Assert.Contains("WeChat:EncodingAESKey", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConstructorRejectsAMalformedPreviousKeyNamingItsSetting()
    {
        var ex = Assert.Throws<ArgumentException>(() => new WeChatMessageCrypto(AppId, Key, "short"));

        Assert.Contains("WeChat:PreviousEncodingAESKey", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BuildEncryptedReplyIsSignedAndDecryptsToTheReply()
    {
        using var crypto = new WeChatMessageCrypto(AppId, Key);
        string reply = WeChatReply.Text("oUser", "gh_account", 1714037059, "你好 ]]> 😀");

        string envelope = crypto.BuildEncryptedReply(reply, "token", "1714037059", "486452656");

        var document = WeChatXml.Parse(envelope);
        string encrypt = document.GetEncrypt();
        Assert.Equal("1714037059", document.Get("TimeStamp"));
        Assert.Equal("486452656", document.Get("Nonce"));
        Assert.Equal(Sha1Hex(string.Concat(new[] { "token", "1714037059", "486452656", encrypt }.Order(StringComparer.Ordinal))), document.Get("MsgSignature"));
        Assert.Equal(reply, crypto.Decrypt(encrypt));
        Assert.StartsWith("<xml><Encrypt><![CDATA[", envelope, StringComparison.Ordinal);
        Assert.Contains("<TimeStamp>1714037059</TimeStamp><Nonce><![CDATA[486452656]]></Nonce></xml>", envelope, StringComparison.Ordinal);
    }

    [Fact]
    public void BuildEncryptedReplyRejectsATimestampThatCouldInjectMarkup()
    {
        using var crypto = new WeChatMessageCrypto(AppId, Key);

        Assert.Throws<ArgumentException>(() => crypto.BuildEncryptedReply("<xml/>", "token", "1</TimeStamp>", "nonce"));
    }

#pragma warning disable CA5350 // The protocol under test is SHA1.
    private static string Sha1Hex(string text) => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5350
}
