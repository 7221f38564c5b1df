using WeChatAi.Core.Knowledge;

namespace WeChatAi.UnitTests.Knowledge;

public sealed class KnowledgeSegmenterTests
{
    private static readonly KnowledgeSegmenter Segmenter = new();

    [Fact]
    public void A_passage_is_cut_into_words_without_stop_words_or_punctuation()
    {
        var words = Segmenter.Passage("我们的课程价格是每月 99 元，Python 入门班！");

        Assert.Contains("课程", words);
        Assert.Contains("价格", words);
        Assert.Contains("99", words);
        Assert.Contains("python", words); // lower-cased
        Assert.DoesNotContain("的", words);
        Assert.DoesNotContain("我们", words);
        Assert.DoesNotContain("，", words);
        Assert.DoesNotContain("！", words);
    }

    [Fact]
    public void A_question_in_search_mode_also_gives_the_short_words_inside_long_ones()
    {
        var passage = Segmenter.Passage("中华人民共和国成立");
        var question = Segmenter.Question("中华人民共和国成立");

        Assert.Contains("中华人民共和国", passage);
        Assert.DoesNotContain("人民", passage);
        Assert.Contains("中华人民共和国", question);
        Assert.Contains("人民", question);
        Assert.Contains("共和国", question);
    }
}
