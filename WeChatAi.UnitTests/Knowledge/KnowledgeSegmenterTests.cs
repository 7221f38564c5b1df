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

    [Fact]
    public void One_segmenter_serves_concurrent_callers_with_the_words_a_single_caller_gets()
    {
        string[] texts = ["退款怎么申请", "每周二、周四晚上八点直播上课，错过的可以看回放。", "Python 入门班每期 299 元", "中华人民共和国成立"];
        var expected = texts.Select(t => string.Join('/', Segmenter.Question(t)) + "|" + string.Join('/', Segmenter.Passage(t))).ToArray();

        var results = new string[400];
        Parallel.For(0, results.Length, i =>
        {
            var text = texts[i % texts.Length];
            results[i] = string.Join('/', Segmenter.Question(text)) + "|" + string.Join('/', Segmenter.Passage(text));
        });

        Assert.All(results.Select((r, i) => (r, i)), x => Assert.Equal(expected[x.i % texts.Length], x.r));
    }
}
