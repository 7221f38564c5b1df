using WeChatAi.Core.Knowledge.Vectors;

namespace WeChatAi.UnitTests.Knowledge;

public sealed class VectorSearchTests
{
    [Fact]
    public void Reciprocal_rank_fusion_sums_one_over_sixty_plus_the_rank_and_ranks_agreement_above_one_lists_top()
    {
        var fused = RankFusion.Fuse(["a", "b", "c"], ["c", "d", "a"]);

        Assert.Equal(["a", "c", "b", "d"], fused.Select(f => f.Item));
        Assert.Equal((1.0 / 61) + (1.0 / 63), fused[0].Score, 12); // a: keyword 1st, vector 3rd
        Assert.Equal((1.0 / 63) + (1.0 / 61), fused[1].Score, 12); // c: the same sum; the keyword list met a first
        Assert.Equal(1.0 / 62, fused[2].Score, 12);
        Assert.Equal(1.0 / 62, fused[3].Score, 12);

        // Found second by both beats found first by one alone.
        var agreement = RankFusion.Fuse(["x", "y"], ["z", "y"]);
        Assert.Equal("y", agreement[0].Item);
    }

    [Fact]
    public void Fusing_with_an_empty_list_keeps_the_other_lists_order()
    {
        Assert.Equal(["b", "a"], RankFusion.Fuse(["b", "a"], Array.Empty<string>()).Select(f => f.Item));
        Assert.Equal(["q"], RankFusion.Fuse(Array.Empty<string>(), ["q"]).Select(f => f.Item));
    }

    [Fact]
    public void Normalize_scales_to_length_one_and_leaves_a_zero_vector_zero()
    {
        float[] vector = [3, 4];
        VectorIndex.Normalize(vector);
        Assert.Equal([0.6f, 0.8f], vector);

        float[] zero = [0, 0, 0];
        VectorIndex.Normalize(zero);
        Assert.Equal([0f, 0f, 0f], zero);
    }

    [Fact]
    public void Top_k_is_the_exact_cosine_order_of_a_brute_force_pass_whatever_the_vectors_lengths()
    {
        var random = new Random(7);
        var vectors = Enumerable.Range(0, 500).Select(_ => Enumerable.Range(0, 64).Select(_ => (float)((random.NextDouble() * 2) - 1) * random.Next(1, 10)).ToArray()).ToList();
        var question = Enumerable.Range(0, 64).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        var index = VectorIndex.Build([.. vectors]);

        var found = index.Search(question, 10);

        var expected = vectors.Select((v, i) => (i, Cosine(v, question))).OrderByDescending(c => c.Item2).Take(10).ToList();
        Assert.Equal(expected.Select(e => e.i), found.Select(f => f.Passage));
        foreach (var (f, e) in found.Zip(expected))
        {
            Assert.Equal(e.Item2, f.Cosine, 4);
        }

        Assert.Equal(500 * 64 * sizeof(float) + (500 * sizeof(int)), index.Bytes);
    }

    [Fact]
    public void Passages_without_a_vector_or_with_another_models_size_are_left_out_and_a_question_of_another_size_finds_nothing()
    {
        var index = VectorIndex.Build([[1, 0, 0], null, [0, 1, 0, 0], [0.9f, 0.1f, 0], [0, 0, 1]]);

        Assert.Equal(3, index.Count);
        Assert.Equal(3, index.Dimensions);
        Assert.Equal([0, 3, 4], index.Search([1, 0, 0], 5).Select(f => f.Passage));
        Assert.Empty(index.Search([1, 0, 0, 0], 5));
        Assert.Empty(VectorIndex.Build([null, null]).Search([1, 0], 5));
    }

    [Fact]
    public void Equal_cosines_keep_the_older_passage_first()
    {
        var index = VectorIndex.Build([[0, 1], [1, 0], [1, 0], [1, 0]]);

        Assert.Equal([1, 2], index.Search([2, 0], 2).Select(f => f.Passage));
    }

    private static float Cosine(float[] a, float[] b)
    {
        var dot = a.Zip(b).Sum(p => p.First * p.Second);
        return dot / MathF.Sqrt(a.Sum(x => x * x)) / MathF.Sqrt(b.Sum(x => x * x));
    }
}
