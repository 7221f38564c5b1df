namespace WeChatAi.Simulator.Embeddings;

/// <summary>
/// A deterministic embedding model, so the knowledge base's vector path runs end to end offline: hashed character
/// n-grams — each Chinese character (but a few function characters) and each pair of neighbouring ones, and each
/// lower-cased Latin word or number — into <see cref="DefaultDimensions"/> signed buckets, L2-normalised. Two texts are
/// near when they share characters, so "退钱" finds "退款" where word-based keyword ranking does not; it knows no
/// meaning ("价格" and "多少钱" share nothing), which is why real deployments configure a real model.
/// </summary>
public static class FakeEmbedding
{
    public const string Model = "simulator-embedding";

    public const int DefaultDimensions = 256;

    /// <summary>Characters in nearly every question; as unigrams they would make every text look alike.</summary>
    private const string FunctionCharacters = "的了吗呢啊吧呀嘛是我你他她它们在有和与及或就都也还要会能可以这那个么什怎请问";

    public static float[] Embed(string text, int dimensions = DefaultDimensions)
    {
        ArgumentNullException.ThrowIfNull(text);
        var vector = new float[dimensions];
        foreach (var (feature, weight) in Features(text))
        {
            var hash = Fnv1a(feature);
            vector[(int)(hash % (ulong)dimensions)] += (hash >> 63) == 0 ? weight : -weight;
        }

        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        if (norm > 0)
        {
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] /= norm;
            }
        }

        return vector;
    }

    /// <summary>What a text is made of for both models here: CJK unigrams (weight 1) and bigrams (weight 1.5), Latin words (weight 1.5).</summary>
    public static IEnumerable<(string Feature, float Weight)> Features(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lower = text.ToLowerInvariant();
        var word = new System.Text.StringBuilder();
        char? previous = null;
        foreach (var c in lower)
        {
            if (IsCjk(c))
            {
                if (!FunctionCharacters.Contains(c, StringComparison.Ordinal))
                {
                    yield return ("u" + c, 1f);
                }

                if (previous is { } p)
                {
                    yield return ("b" + p + c, 1.5f);
                }

                previous = c;
            }
            else
            {
                previous = null;
            }

            if (char.IsAsciiLetterOrDigit(c))
            {
                word.Append(c);
            }
            else if (word.Length > 0)
            {
                yield return ("w" + word, 1.5f);
                word.Clear();
            }
        }

        if (word.Length > 0)
        {
            yield return ("w" + word, 1.5f);
        }
    }

    public static bool IsCjk(char c) => c is >= '\u4e00' and <= '\u9fff' or >= '\u3400' and <= '\u4dbf';

    private static ulong Fnv1a(string feature)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in feature)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }
}
