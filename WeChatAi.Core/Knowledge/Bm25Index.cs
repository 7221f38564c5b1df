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
public sealed record RankedPassage(KnowledgePassage Passage, double Score)
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
        var scores = new Dictionary<int, double>();
        foreach (var word in questionWords.Distinct(StringComparer.Ordinal))
        {
            if (!_postings.TryGetValue(word, out var postings))
            {
                continue;
            }

            var idf = Math.Log(1 + ((_passages.Length - postings.Length + 0.5) / (postings.Length + 0.5)));
            foreach (var (passage, count) in postings)
            {
                var norm = count + (K1 * (1 - B + (B * _lengths[passage] / _averageLength)));
                scores[passage] = scores.GetValueOrDefault(passage) + (idf * count * (K1 + 1) / norm);
            }
        }

        return scores
            .OrderByDescending(s => s.Value).ThenBy(s => _passages[s.Key].ChunkId)
            .Take(top)
            .Select(s => new RankedPassage(_passages[s.Key], s.Value))
            .ToList();
    }
}
