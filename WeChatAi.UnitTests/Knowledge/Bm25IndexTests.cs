using WeChatAi.Core.Knowledge;

namespace WeChatAi.UnitTests.Knowledge;

public sealed class Bm25IndexTests
{
    private static readonly KnowledgeSegmenter Segmenter = new();

    private static readonly (long Source, string Title, string Text)[] Corpus =
    [
        (1, "课程价格", "Python 入门课每期 299 元，进阶课每期 599 元，两门一起报名优惠 100 元。"),
        (2, "退款政策", "购买后七天内、学习不超过三节课的，可以申请全额退款，款项原路退回。"),
        (3, "上课时间", "每周二、周四晚上八点直播上课，错过的可以看回放，回放保留三十天。"),
        (4, "联系客服", "工作日早九点到晚六点，客服微信在线；周末请留言，下一个工作日回复。"),
        (5, "证书说明", "完成全部作业并通过结业考试的学员，可以获得电子结业证书。"),
    ];

    [Theory]
    [InlineData("你们的课多少钱", 1)]
    [InlineData("退款怎么申请", 2)]
    [InlineData("什么时候上课？有回放吗", 3)]
    [InlineData("怎么联系客服", 4)]
    [InlineData("学完有证书吗", 5)]
    public void A_question_phrased_like_a_user_finds_the_passage_that_answers_it_first(string question, long expected)
    {
        var found = Build(Corpus).Search(Segmenter.Question(question), 3);

        Assert.NotEmpty(found);
        Assert.Equal(expected, found[0].Passage.SourceId);
        Assert.True(found.Zip(found.Skip(1)).All(p => p.First.Score >= p.Second.Score), "best first");
    }

    [Fact]
    public void A_rare_word_outweighs_a_common_one_and_with_the_same_counts_the_shorter_passage_ranks_first()
    {
        var index = Build(
        [
            (1, "甲", "课程 退款"),
            (2, "乙", "课程 退款 介绍 安排 报名 地址"),
            (3, "丙", "课程 课程 课程 课程 课程 课程 课程 课程"),
            (4, "丁", "课程 介绍"),
        ]);

        var found = index.Search(Segmenter.Question("课程退款"), 4);

        // 1 and 2 have the rare word once each (the shorter first); 3 says the common one eight times, which saturates but still beats once.
        Assert.Equal([1, 2, 3, 4], found.Select(r => r.Passage.SourceId));
    }

    [Fact]
    public void An_index_without_a_source_no_longer_returns_it_and_a_question_sharing_no_word_finds_nothing()
    {
        var without = Build([.. Corpus.Where(c => c.Source != 2)]);

        Assert.DoesNotContain(without.Search(Segmenter.Question("退款怎么申请"), 5), r => r.Passage.SourceId == 2);
        Assert.Empty(Build(Corpus).Search(Segmenter.Question("天气预报"), 5));
        Assert.Empty(Bm25Index.Empty.Search(Segmenter.Question("课程"), 5));
    }

    private static Bm25Index Build(IEnumerable<(long Source, string Title, string Text)> items) =>
        Bm25Index.Build([.. items.Select(i => (
            new KnowledgePassage(i.Source * 10, i.Source, i.Title, null, i.Text, null),
            Segmenter.Passage($"{i.Title}\n{i.Text}")))]);
}
