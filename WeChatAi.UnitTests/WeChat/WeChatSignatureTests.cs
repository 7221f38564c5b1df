using System.Security.Cryptography;
using System.Text;
using WeChatAi.Core.WeChat;
using Xunit;

namespace WeChatAi.UnitTests.WeChat;

public sealed class WeChatSignatureTests
{
    private const string Token = "AAAAA";
    private const string Timestamp = "1714037059";
    private const string Nonce = "486452656";
    private const string Expected = "899cf89e464efb63f54ddac96b0a0a235f53aa78";

    [Fact]
    public void ComputeMatchesKnownVector()
    {
        Assert.Equal(Expected, WeChatSignature.Compute(Token, Timestamp, Nonce));
    }

    [Fact]
    public void ComputeDoesNotDependOnArgumentOrder()
    {
        Assert.Equal(Expected, WeChatSignature.Compute(Nonce, Token, Timestamp));
    }

    [Fact]
    public void ComputeSortsOrdinallyNotCulturally()
    {
        // Ordinal: "B" (0x42) sorts before "a" (0x61); a culture-aware sort would put "a" first.
        Assert.Equal(Reference("B", "a"), WeChatSignature.Compute("a", "B"));
        Assert.NotEqual(Sha1Hex("aB"), WeChatSignature.Compute("a", "B"));
    }

    [Fact]
    public void ComputeHandlesALongEncryptPartLikeMsgSignature()
    {
        string encrypt = Convert.ToBase64String(Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray());

        Assert.Equal(Reference(Token, Timestamp, Nonce, encrypt), WeChatSignature.Compute(Token, Timestamp, Nonce, encrypt));
    }

    [Theory]
    [InlineData(Expected)]
    [InlineData("899CF89E464EFB63F54DDAC96B0A0A235F53AA78")]
    public void IsValidAcceptsTheRightSignatureInAnyCase(string signature)
    {
        Assert.True(WeChatSignature.IsValid(signature, Token, Timestamp, Nonce));
    }

    [Theory]
    [InlineData("899cf89e464efb63f54ddac96b0a0a235f53aa79")]
    [InlineData("999cf89e464efb63f54ddac96b0a0a235f53aa78")]
    [InlineData("899cf89e464efb63f54ddac96b0a0a235f53aa7")]
    [InlineData("899cf89e464efb63f54ddac96b0a0a235f53aa788")]
    [InlineData("z99cf89e464efb63f54ddac96b0a0a235f53aa78")]
    [InlineData("")]
    [InlineData(null)]
    public void IsValidRejectsATamperedOrMalformedSignature(string? signature)
    {
        Assert.False(WeChatSignature.IsValid(signature, Token, Timestamp, Nonce));
    }

    [Fact]
    public void IsValidRejectsATamperedPart()
    {
        Assert.False(WeChatSignature.IsValid(Expected, Token, "1714037060", Nonce));
    }

    private static string Reference(params string[] parts) => Sha1Hex(string.Concat(parts.Order(StringComparer.Ordinal)));

#pragma warning disable CA5350 // The protocol under test is SHA1.
    private static string Sha1Hex(string text) => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5350
}
