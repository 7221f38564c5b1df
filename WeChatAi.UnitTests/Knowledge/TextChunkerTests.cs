using WeChatAi.Core.Knowledge;

namespace WeChatAi.UnitTests.Knowledge;

public sealed class TextChunkerTests
{
    private const string Refunds = """
        # 退款政策

        购买课程后七天内，未学习超过三节的，可以申请全额退款。超过七天或已学习三节以上的，不予退款！

        ## 申请流程

        第一步，在公众号菜单点击“我的订单”。第二步，选择要退的订单，点击“申请退款”；第三步，填写原因并提交。
        客服会在一个工作日内处理……退款原路返回，一般三到五个工作日到账。

        ## 特殊情况

        因课程质量问题申请退款的，不受七天限制？请联系客服说明情况。
        """;

    [Fact]
    public void Markdown_headings_become_each_chunks_section_path_and_are_not_chunk_text()
    {
        var chunks = TextChunker.Split(Refunds, 500, 0);

        Assert.Equal(["退款政策", "退款政策 / 申请流程", "退款政策 / 特殊情况"], chunks.Select(c => c.Heading));
        Assert.StartsWith("购买课程后七天内", chunks[0].Text, StringComparison.Ordinal);
        Assert.StartsWith("第一步", chunks[1].Text, StringComparison.Ordinal);
        Assert.EndsWith("三到五个工作日到账。", chunks[1].Text, StringComparison.Ordinal);
        Assert.DoesNotContain(chunks, c => c.Text.Contains('#', StringComparison.Ordinal));
    }

    [Fact]
    public void A_section_longer_than_a_chunk_is_cut_after_a_sentence_and_each_chunk_starts_with_the_last_sentence_before_it()
    {
        var chunks = TextChunker.Split(Refunds, 60, 30);

        Assert.All(chunks, c => Assert.InRange(c.Text.Length, 1, 60));
        var steps = chunks.Where(c => c.Heading == "退款政策 / 申请流程").Select(c => c.Text).ToList();
        Assert.True(steps.Count >= 2, string.Join(" | ", steps));
        // Every chunk but the section's last ends where a sentence does (。！？；… or a line break).
        Assert.All(steps[..^1], text => Assert.Contains(text[^1], "。！？；…”"));
        // The overlap: the second chunk repeats the first one's last sentence, whole.
        Assert.Equal("第三步，填写原因并提交。", steps[1][..steps[1].IndexOf('。', StringComparison.Ordinal)] + "。");
        Assert.EndsWith("第三步，填写原因并提交。", steps[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Paragraphs_of_plain_text_without_headings_pack_together_and_a_sentence_longer_than_a_chunk_is_cut_by_length()
    {
        var longSentence = string.Concat(Enumerable.Repeat("这门课程讲解公众号运营的全部流程", 10)) + "。"; // 161 characters
        var text = $"课程共十二节。每节四十分钟。\n\n{longSentence}\n\n最后一节是答疑。";

        var chunks = TextChunker.Split(text, 100, 20);

        Assert.All(chunks, c => Assert.Null(c.Heading));
        Assert.All(chunks, c => Assert.InRange(c.Text.Length, 1, 100));
        Assert.Equal("课程共十二节。每节四十分钟。", chunks[0].Text);
        Assert.Equal(longSentence[..100], chunks[1].Text);
        Assert.Equal(longSentence[80..], chunks[2].Text[..(longSentence.Length - 80)]); // cut pieces overlap by 20
        Assert.EndsWith("最后一节是答疑。", chunks[^1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Closing_quotes_and_ellipses_stay_with_their_sentence()
    {
        var chunks = TextChunker.Split("老师说：“先预习。”然后上课……最后交作业！", 14, 0);

        Assert.Equal(["老师说：“先预习。”", "然后上课……最后交作业！"], chunks.Select(c => c.Text));
    }

    [Fact]
    public void An_faq_pair_is_one_chunk_however_long_its_answer()
    {
        var chunk = TextChunker.Faq(" 退款怎么申请？ ", new string('答', 3000));

        Assert.Null(chunk.Heading);
        Assert.StartsWith("问：退款怎么申请？\n答：答答", chunk.Text, StringComparison.Ordinal);
        Assert.Equal(3000 + "问：退款怎么申请？\n答：".Length, chunk.Text.Length);
    }

    [Fact]
    public void Empty_or_blank_text_has_no_chunks()
    {
        Assert.Empty(TextChunker.Split("", 500, 50));
        Assert.Empty(TextChunker.Split("\n\n   \n# 只有标题\n", 500, 50));
    }
}
