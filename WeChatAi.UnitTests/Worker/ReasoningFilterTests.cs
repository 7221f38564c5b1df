using WeChatAi.Worker.Llm;

namespace WeChatAi.UnitTests.Worker;

public sealed class ReasoningFilterTests
{
    [Theory]
    [InlineData("<think>先想一想</think>答案是42。", "答案是42。", "先想一想")]
    [InlineData("<THINK>\n大写\n</Think>\n\n答案", "答案", "大写")]
    [InlineData("模板已打开思考</think>答案", "答案", "模板已打开思考")] // DeepSeek-R1 distills: only the closing tag
    [InlineData("前言<think>一</think>中间<think>二</think>结尾", "前言中间结尾", "一\n二")]
    [InlineData("答案在前<think>被截断的思考", "答案在前", "被截断的思考")] // cut off by the token limit
    [InlineData("没有思考的答案", "没有思考的答案", null)]
    [InlineData("谈谈 HTML 的 <thinking> 标签", "谈谈 HTML 的 <thinking> 标签", null)]
    public void Thinking_never_stays_in_the_answer(string text, string answer, string? reasoning)
    {
        var separated = ReasoningFilter.Separate(text);
        Assert.Equal((answer, reasoning), separated);
        Assert.DoesNotContain("think>", separated.Answer, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Only_thinking_leaves_an_empty_answer()
    {
        Assert.Equal((string.Empty, "只有思考"), ReasoningFilter.Separate("<think>只有思考</think>"));
    }

    [Fact]
    public void A_summary_is_one_line_within_the_limit()
    {
        Assert.Equal("第一行 第二行", ReasoningFilter.Summarize("第一行\n\n第二行", 100));
        Assert.Equal("abcde…", ReasoningFilter.Summarize("abcdefghij", 5));
        Assert.Equal("ab…", ReasoningFilter.Summarize("ab😀cd", 3)); // never half an emoji
    }
}
