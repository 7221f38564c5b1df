using System.Text;
using WeChatAi.Worker.Delivery;

namespace WeChatAi.UnitTests.Worker;

public sealed class MessageSplitterTests
{
    [Fact]
    public void Short_text_is_one_part()
    {
        Assert.Equal(["你好"], MessageSplitter.Split("  你好 \n", 2048));
        Assert.Empty(MessageSplitter.Split("   ", 2048));
    }

    [Fact]
    public void Cuts_at_paragraphs_first()
    {
        var a = new string('a', 30);
        var b = new string('b', 30);
        Assert.Equal([a, b], MessageSplitter.Split($"{a}\n\n{b}", 40));
    }

    [Fact]
    public void Cuts_at_chinese_sentence_ends_when_there_is_no_paragraph()
    {
        var sentence = "这是一个句子。"; // 21 bytes
        var text = string.Concat(Enumerable.Repeat(sentence, 10));
        var parts = MessageSplitter.Split(text, 50);
        Assert.All(parts, p => Assert.EndsWith("。", p, StringComparison.Ordinal));
        Assert.All(parts, p => Assert.True(Encoding.UTF8.GetByteCount(p) <= 50));
        Assert.Equal(text, string.Concat(parts));
    }

    [Fact]
    public void Ascii_periods_inside_numbers_are_not_sentence_ends()
    {
        var parts = MessageSplitter.Split("Pi is 3.14159 and more. Next sentence here.", 30);
        Assert.Equal(["Pi is 3.14159 and more.", "Next sentence here."], parts);
    }

    [Fact]
    public void Hard_splits_only_without_boundaries_and_never_inside_a_character()
    {
        var text = string.Concat(Enumerable.Repeat("字😀", 500)); // 3 + 4 bytes each, no boundary
        var parts = MessageSplitter.Split(text, 2048);
        Assert.Equal(2, parts.Count);
        Assert.InRange(Encoding.UTF8.GetByteCount(parts[0]), 2042, 2048);
        Assert.DoesNotContain(parts, p => char.IsHighSurrogate(p[^1]) || char.IsLowSurrogate(p[0]));
        Assert.Equal(text, string.Concat(parts));
    }

    [Fact]
    public void Five_thousand_bytes_give_parts_within_the_limit_in_order()
    {
        var text = string.Join("\n", Enumerable.Range(1, 100).Select(i => $"第{i}行，一些内容！"));
        while (Encoding.UTF8.GetByteCount(text) < 5000)
        {
            text += "\n更多内容？";
        }

        var parts = MessageSplitter.Split(text, 2048);
        Assert.Equal(3, parts.Count);
        Assert.All(parts, p => Assert.True(Encoding.UTF8.GetByteCount(p) <= 2048));
        Assert.Equal(text.Replace("\n", "", StringComparison.Ordinal), string.Concat(parts).Replace("\n", "", StringComparison.Ordinal));
        Assert.StartsWith("第1行", parts[0], StringComparison.Ordinal);
    }

    private const string Label = "【本回复由人工智能生成】"; // 36 bytes

    [Fact]
    public void The_label_ends_the_last_part_once_and_counts_within_the_limit()
    {
        Assert.Equal([$"你好\n{Label}"], MessageSplitter.Split("你好", 2048, Label));

        var paragraph = new string('字', 600); // 1,800 bytes: one per part, the last too full for the label
        var parts = MessageSplitter.Split($"{paragraph}\n\n{paragraph}\n\n{paragraph}", 2048, Label);
        Assert.All(parts, p => Assert.True(Encoding.UTF8.GetByteCount(p) <= 2048, $"{Encoding.UTF8.GetByteCount(p)} bytes"));
        Assert.Single(parts, p => p.Contains(Label, StringComparison.Ordinal));
        Assert.EndsWith(Label, parts[^1], StringComparison.Ordinal);
        Assert.Equal(string.Concat(Enumerable.Repeat(paragraph, 3)), string.Concat(parts).Replace($"\n{Label}", string.Empty, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(2048 - 37)] // the label fits exactly: 2,011 + 1 + 36 = 2,048
    [InlineData(2048 - 36)] // one byte too many: the last part is split again
    [InlineData(2048)]
    public void A_last_part_at_the_limit_gets_room_for_the_label(int bytes)
    {
        var text = new string('a', bytes);
        var parts = MessageSplitter.Split(text, 2048, Label);
        Assert.All(parts, p => Assert.True(Encoding.UTF8.GetByteCount(p) <= 2048));
        Assert.Equal(bytes <= 2048 - 37 ? 1 : 2, parts.Count);
        Assert.EndsWith($"\n{Label}", parts[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void No_label_and_an_empty_answer()
    {
        Assert.Equal(["你好"], MessageSplitter.Split("你好", 2048, string.Empty));
        Assert.Equal([Label], MessageSplitter.Split("  ", 2048, Label));
    }
}
