using WeChatAi.Core.Handoff;

namespace WeChatAi.UnitTests.Handoff;

public sealed class HandoffRequestTests
{
    private static readonly string[] Keywords = new HandoffOptions().Keywords;

    [Theory]
    [InlineData("转人工")]
    [InlineData(" 转人工！")]
    [InlineData("人工客服。")]
    [InlineData("人工")]
    [InlineData("人工？？")]
    public void The_whole_message_as_a_keyword_asks_for_a_person(string message) =>
        Assert.True(HandoffRequest.Matches(message, Keywords));

    [Theory]
    [InlineData("人工智能是什么")]
    [InlineData("人工费多少钱")]
    [InlineData("我要转人工客服处理退款")]
    [InlineData("")]
    [InlineData("！")]
    public void A_message_that_only_contains_a_keyword_is_a_question_for_the_AI(string message) =>
        Assert.False(HandoffRequest.Matches(message, Keywords));

    [Fact]
    public void Latin_keywords_match_in_any_case() =>
        Assert.True(HandoffRequest.Matches("Human!", ["human"]));
}
