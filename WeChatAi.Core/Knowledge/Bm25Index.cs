namespace WeChatAi.Core.Knowledge;

/// <summary>A passage as retrieval returns it: its chunk, its source and the text to show or quote.</summary>
public sealed record KnowledgePassage(long ChunkId, long SourceId, string Title, string? Heading, string Text, string? Url)
{
    /// <summary>The passage as a whole for a model to read (embedding, reranking): its title and heading give the text its context.</summary>
    public string Document => DocumentOf(Title, Heading, Text);

    public static string DocumentOf(string title, string? heading, string text) => heading is null ? $"{title}\n{text}" : $"{title} / {heading}\n{text}";
}

/// <summary>
/// A passage found and its <see cref="Score"/> (what ordered it: BM25 for keywords alone, the fused score, or the
/// reranker's relevance), with each ranking's own rank and score (null where that ranking did not find it or did not run).
/// </summary>
/// <param name="Match">
/// How much of the question the passage covers, 0–1: the IDF-weighted share of the question's words it contains (a word
/// the base never uses weighs as the rarest word). Comparable across questions, so the answering bar is set on it.
/// </param>
public sealed record RankedPassage(KnowledgePassage Passage, double Score, double Match = 0)
{
    public int? KeywordRank { get; init; }

    /// <summary>BM25.</summary>
    public double? KeywordScore { get; init; }

    public int? VectorRank { get; init; }

    /// <summary>Cosine similarity of the question's and the passage's vectors.</summary>
    public double? VectorScore { get; init; }

    public int? FusedRank { get; init; }

    /// <summary>Reciprocal rank fusion: the sum of 1/(60 + rank) over the lists that found it.</summary>
    public double? FusedScore { get; init; }

    public double? RerankScore { get; init; }
}

/// <summary>
/// Okapi BM25 over segmented passages, immutable once built (a change builds a new one): an inverted index from word to
/// (passage, count), so a question costs the postings of its own words only.
/// </summary>
public sealed class Bm25Index
{
    private const double K1 = 1.2;
    private const double B = 0.75;

    public static readonly Bm25Index Empty = Build([]);

    private readonly KnowledgePassage[] _passages;
    private readonly int[] _lengths;
    private readonly double _averageLength;
    private readonly Dictionary<string, (int Passage, int Count)[]> _postings;

    private Bm25Index(KnowledgePassage[] passages, int[] lengths, Dictionary<string, (int, int)[]> postings)
    {
        _passages = passages;
        _lengths = lengths;
        _averageLength = lengths.Length == 0 ? 1 : Math.Max(1, lengths.Average());
        _postings = postings;
    }

    public int Count => _passages.Length;

    public static Bm25Index Build(IReadOnlyList<(KnowledgePassage Passage, string[] Tokens)> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var lists = new Dictionary<string, List<(int, int)>>(StringComparer.Ordinal);
        var lengths = new int[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            lengths[i] = items[i].Tokens.Length;
            foreach (var word in items[i].Tokens.CountBy(t => t))
            {
                if (!lists.TryGetValue(word.Key, out var list))
                {
                    lists[word.Key] = list = [];
                }

                list.Add((i, word.Value));
            }
        }

        return new Bm25Index(
            [.. items.Select(i => i.Passage)],
            lengths,
            lists.ToDictionary(l => l.Key, l => l.Value.ToArray(), StringComparer.Ordinal));
    }

    /// <summary>The best <paramref name="top"/> passages for the question's words, best first (ties: older chunk first); only passages sharing a word.</summary>
    public IReadOnlyList<RankedPassage> Search(IEnumerable<string> questionWords, int top)
    {
        ArgumentNullException.ThrowIfNull(questionWords);
        // Up to 64 distinct words (a question is at most a few sentences): each passage's matches fit in one mask.
        var words = questionWords.Distinct(StringComparer.Ordinal).Take(64).ToArray();
        var idfs = new double[words.Length];
        var scores = new Dictionary<int, (double Score, ulong Words)>();
        for (var w = 0; w < words.Length; w++)
        {
            var postings = _postings.GetValueOrDefault(words[w]) ?? [];
            var idf = Math.Log(1 + ((_passages.Length - postings.Length + 0.5) / (postings.Length + 0.5)));
            idfs[w] = idf;
            foreach (var (passage, count) in postings)
            {
                var norm = count + (K1 * (1 - B + (B * _lengths[passage] / _averageLength)));
                var (score, matched) = scores.GetValueOrDefault(passage);
                scores[passage] = (score + (idf * count * (K1 + 1) / norm), matched | (1UL << w));
            }
        }

        return scores
            .OrderByDescending(s => s.Value.Score).ThenBy(s => _passages[s.Key].ChunkId)
            .Take(top)
            .Select(s => new RankedPassage(_passages[s.Key], s.Value.Score, Coverage(words, idfs, s.Value.Words)))
            .ToList();
    }

    /// <summary>
    /// The IDF-weighted share of the question's words a passage contains (<see cref="RankedPassage.Match"/>). A question
    /// is cut in search mode, which adds the parts of a long word ("退款申请": "退款", "申请") beside it, while a passage
    /// is cut in precise mode and holds one or the other: so only the longest words count, each one covered by itself
    /// or, failing that, by the share of its parts the passage holds.
    /// </summary>
    private static double Coverage(string[] words, double[] idfs, ulong matched)
    {
        double total = 0, covered = 0;
        for (var w = 0; w < words.Length; w++)
        {
            if (AskingWords.Set.Contains(words[w]))
            {
                continue;
            }

            var partsWeight = 0.0;
            var partsMatched = 0.0;
            var isPart = false;
            for (var o = 0; o < words.Length; o++)
            {
                if (o == w || words[o].Length == words[w].Length || AskingWords.Set.Contains(words[o]))
                {
                    continue;
                }

                if (words[o].Length > words[w].Length && words[o].Contains(words[w], StringComparison.Ordinal))
                {
                    isPart = true;
                    break;
                }

                if (words[w].Contains(words[o], StringComparison.Ordinal))
                {
                    partsWeight += idfs[o];
                    partsMatched += (matched >> o & 1) == 1 ? idfs[o] : 0;
                }
            }

            if (isPart)
            {
                continue;
            }

            total += idfs[w];
            covered += (matched >> w & 1) == 1 ? idfs[w] : partsWeight > 0 ? idfs[w] * partsMatched / partsWeight : 0;
        }

        return total > 0 ? covered / total : 0;
    }
}
