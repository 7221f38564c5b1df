using WeChatAi.Worker.Delivery;

namespace WeChatAi.UnitTests.Worker;

public sealed class MarkdownTextTests
{
    [Theory]
    [InlineData("# 标题", "标题")]
    [InlineData("### Heading ###", "Heading")]
    [InlineData("这是**粗体**和*斜体*和__粗__和_斜_", "这是粗体和斜体和粗和斜")]
    [InlineData("see [the docs](https://example.com/a)", "see the docs (https://example.com/a)")]
    [InlineData("![图](https://example.com/x.png)", "图 (https://example.com/x.png)")]
    [InlineData("use `dotnet test` now", "use dotnet test now")]
    [InlineData("- one", "• one")]
    [InlineData("  * nested", "  • nested")]
    [InlineData("1. first", "1. first")]
    [InlineData("> quoted", "quoted")]
    [InlineData("~~old~~ new", "old new")]
    [InlineData("snake_case_name and 2*3*4", "snake_case_name and 2*3*4")]
    public void Converts_a_line(string markdown, string expected) =>
        Assert.Equal(expected, MarkdownText.ToPlainText(markdown));

    [Fact]
    public void Code_fences_keep_their_content_verbatim_and_lose_the_fence()
    {
        var markdown = "看代码：\n\n```csharp\nvar x = **y**;\n# not a heading\n```\n\n完。";
        Assert.Equal("看代码：\n\nvar x = **y**;\n# not a heading\n\n完。", MarkdownText.ToPlainText(markdown));
    }

    [Fact]
    public void Tables_lose_their_separator_rows_and_rules_disappear()
    {
        var markdown = "| a | b |\n|---|:---:|\n| 1 | 2 |\n\n---\n\nend";
        Assert.Equal("| a | b |\n| 1 | 2 |\n\nend", MarkdownText.ToPlainText(markdown));
    }
}
