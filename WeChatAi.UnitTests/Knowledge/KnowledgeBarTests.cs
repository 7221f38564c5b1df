using WeChatAi.Core.Knowledge;

namespace WeChatAi.UnitTests.Knowledge;

/// <summary>
/// The answering bar: a passage's match, the IDF-weighted share of the question's words it holds, comparable across
/// questions where BM25 is not; and the grouping of missed questions.
/// </summary>
public sealed class KnowledgeBarTests
{
    private static readonly KnowledgeSegmenter Segmenter = new();

    private static readonly Bm25Index Index = Bm25Index.Build([.. new (long Source, string Title, string Text)[]
    {
        (1, "课程价格", "Python 入门课每期 299 元，进阶课每期 599 元，两门一起报名优惠 100 元。"),
        (2, "退款政策", "购买后七天内、学习不超过三节课的，可以申请全额退款，款项原路退回。"),
        (3, "上课时间", "每周二、周四晚上八点直播上课，错过的可以看回放，回放保留三十天。"),
        (4, "怎么联系人工客服？", "问：怎么联系人工客服？\n答：工作日 9:00–18:00 在公众号里回复“人工”，客服会接入。"),
        (5, "证书说明", "完成全部作业并通过结业考试的学员，可以获得电子结业证书。"),
    }.Select(i => (new KnowledgePassage(i.Source * 10, i.Source, i.Title, null, i.Text, null), Segmenter.Passage($"{i.Title}\n{i.Text}")))]);

    private static double Match(string question) => Index.Search(Segmenter.Question(question), 1) is [var best] ? best.Match : 0;

    [Theory]
    [InlineData("退款怎么申请")]
    [InlineData("什么时候上课？有回放吗")]
    [InlineData("你们课程的价格是多少")]
    [InlineData("怎么联系客服")]
    public void A_passage_holding_every_word_that_matters_matches_fully_however_the_question_is_asked(string question) =>
        Assert.Equal(1.0, Match(question), 3);

    [Theory]
    [InlineData("你们的课多少钱")]
    [InlineData("学完有证书吗")]
    [InlineData("我要找人工")]
    public void A_question_the_base_answers_in_other_words_still_passes_the_default_bar(string question) =>
        Assert.InRange(Match(question), 0.3, 0.99);

    [Theory]
    [InlineData("今天天气怎么样")] // shares only "怎么" with the FAQ's title
    [InlineData("Java课程多少钱")] // a course the base does not have
    [InlineData("你们老板是谁")]
    [InlineData("推荐一本小说")]
    public void A_question_the_base_does_not_cover_stays_under_the_default_bar_whatever_its_BM25(string question) =>
        Assert.InRange(Match(question), 0.0, 0.29);

    [Fact]
    public void Similar_missed_questions_group_under_the_newest_and_groups_come_largest_first()
    {
        var now = DateTimeOffset.UtcNow;
        string[] asked = ["能开发票吗", "今天天气怎么样", "可以开发票吗", "发票怎么开", "今天天气如何", "你们老板是谁", "？？"];
        var items = asked.Select((q, i) => (new MissedQuestionItem(100 - i, q, now.AddMinutes(-i)), Segmenter.Question(q)));

        var groups = QuestionGroups.Group(items);

        Assert.Equal(["能开发票吗", "今天天气怎么样", "你们老板是谁", "？？"], groups.Select(g => g.Representative.Question));
        Assert.Equal([3, 2, 1, 1], groups.Select(g => g.Questions.Count));
        Assert.Equal(now, groups[0].LastSeen);
    }

    private static readonly KnowledgePassage Passage = new(1, 1, "退款政策", null, "购买后七天内可以申请全额退款。", null);

    private static readonly PassageBar Bar = new(0.3, PassageBar.DefaultMinVectorScore, PassageBar.DefaultMinRerankScore);

    [Fact]
    public void A_passage_found_only_by_vectors_passes_on_its_cosine_and_only_at_the_vector_bar()
    {
        Assert.True(Bar.Passes(new RankedPassage(Passage, 0.03) { VectorRank = 1, VectorScore = 0.25 }));
        Assert.False(Bar.Passes(new RankedPassage(Passage, 0.03) { VectorRank = 1, VectorScore = 0.24 }));
        Assert.False(Bar.Passes(new RankedPassage(Passage, 0.03))); // no signal at all
    }

    [Fact]
    public void A_keyword_match_passes_whatever_the_models_say()
    {
        Assert.True(Bar.Passes(new RankedPassage(Passage, 5, Match: 0.3) { VectorScore = 0.01, RerankScore = 0.01 }));
        Assert.False(Bar.Passes(new RankedPassage(Passage, 5, Match: 0.29) { VectorScore = 0.01 }));
    }

    [Fact]
    public void A_reranked_passage_is_judged_by_its_relevance_not_its_cosine()
    {
        Assert.True(Bar.Passes(new RankedPassage(Passage, 0.25) { VectorScore = 0.01, RerankScore = 0.25 }));
        Assert.False(Bar.Passes(new RankedPassage(Passage, 0.2) { VectorScore = 0.9, RerankScore = 0.2 }));
        Assert.True((Bar with { RerankSupersedesVectors = false }).Passes(new RankedPassage(Passage, 0.2) { VectorScore = 0.9, RerankScore = 0.2 }));
    }

    [Fact]
    public void The_best_passages_past_the_bar_are_kept_in_their_order_up_to_the_top()
    {
        RankedPassage Ranked(long id, double cosine) => new(Passage with { ChunkId = id }, 1.0 / id) { VectorScore = cosine };
        var selected = Bar.Select([Ranked(1, 0.1), Ranked(2, 0.6), Ranked(3, 0.2), Ranked(4, 0.3), Ranked(5, 0.5)], 2);
        Assert.Equal([2L, 4L], selected.Select(p => p.Passage.ChunkId));
    }
}
