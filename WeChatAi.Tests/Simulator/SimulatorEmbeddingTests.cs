using WeChatAi.Simulator.Embeddings;

namespace WeChatAi.Tests.Simulator;

/// <summary>The simulator's n-gram embedding model and reranker: deterministic, normalised, near for shared characters.</summary>
public sealed class SimulatorEmbeddingTests
{
    [Fact]
    public void The_same_text_always_gets_the_same_unit_vector_of_the_size_asked()
    {
        var first = FakeEmbedding.Embed("退款怎么申请？Python 入门班");
        var again = FakeEmbedding.Embed("退款怎么申请？Python 入门班");

        Assert.Equal(FakeEmbedding.DefaultDimensions, first.Length);
        Assert.Equal(first, again);
        Assert.Equal(1.0, Math.Sqrt(first.Sum(v => v * v)), 5);
        Assert.Equal(512, FakeEmbedding.Embed("退款", 512).Length);
        Assert.NotEqual(first, FakeEmbedding.Embed("退款怎么申请？python 进阶班"));
        Assert.Equal(FakeEmbedding.Embed("PYTHON"), FakeEmbedding.Embed("python")); // Latin words lower-cased
    }

    [Fact]
    public void Texts_sharing_characters_are_nearer_than_texts_sharing_none()
    {
        var refund = FakeEmbedding.Embed("退款政策：七天内可以申请全额退款");
        var question = FakeEmbedding.Embed("我想退钱");
        var schedule = FakeEmbedding.Embed("每周二晚上八点直播上课");

        Assert.True(Dot(refund, question) > 0.05, $"{Dot(refund, question)}"); // one character of two shared, in a long text
        Assert.True(Math.Abs(Dot(schedule, question)) < 0.02, $"{Dot(schedule, question)}");
        Assert.True(FakeRerank.Score("退款申请", "如何申请退款") > FakeRerank.Score("退款申请", "直播上课时间"));
        Assert.Equal(1.0, FakeRerank.Score("退款", "全额退款"));
    }

    private static float Dot(float[] a, float[] b) => a.Zip(b).Sum(p => p.First * p.Second);
}
