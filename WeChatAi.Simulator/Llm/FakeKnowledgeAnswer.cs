using WeChatAi.Core.Knowledge;

namespace WeChatAi.Simulator.Llm;

/// <summary>
/// The fake model reading knowledge passages (<see cref="KnowledgePrompt"/>), deterministically: the first passage
/// sharing two characters in a row with the question answers it with its sentence that shares the most (an FAQ's
/// question line aside); none sharing any is "not covered".
/// </summary>
public static class FakeKnowledgeAnswer
{
    public const string Prefix = FakeLlm.Marker + "根据资料：";

    private static readonly char[] SentenceEnds = ['。', '！', '？', '!', '?', '\n'];

    /// <summary>The answer, or null when no passage shares anything with the question.</summary>
    public static string? From(IReadOnlyList<string> passages, string question)
    {
        ArgumentNullException.ThrowIfNull(passages);
        var asked = Pairs(question);
        foreach (var passage in passages)
        {
            var best = Sentences(passage)
                .Where(s => !s.StartsWith("问：", StringComparison.Ordinal))
                .Select((s, i) => (Sentence: s, Shared: Pairs(s).Count(asked.Contains), Index: i))
                .OrderByDescending(s => s.Shared).ThenBy(s => s.Index)
                .FirstOrDefault();
            if (Pairs(passage).Any(asked.Contains) && best.Sentence is { } sentence)
            {
                return Prefix + sentence;
            }
        }

        return null;
    }

    private static IEnumerable<string> Sentences(string text)
    {
        var start = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i == text.Length || Array.IndexOf(SentenceEnds, text[i]) >= 0)
            {
                var sentence = text[start..Math.Min(text.Length, i + 1)].Trim();
                if (sentence.Length > 0)
                {
                    yield return sentence.StartsWith("答：", StringComparison.Ordinal) ? sentence[2..] : sentence;
                }

                start = i + 1;
            }
        }
    }

    // Two letters or digits in a row: Chinese shares words as character pairs, without a segmenter.
    private static HashSet<string> Pairs(string text) =>
        [.. Enumerable.Range(0, Math.Max(0, text.Length - 1))
            .Where(i => char.IsLetterOrDigit(text[i]) && char.IsLetterOrDigit(text[i + 1]))
            .Select(i => text.Substring(i, 2).ToLowerInvariant())];
}
