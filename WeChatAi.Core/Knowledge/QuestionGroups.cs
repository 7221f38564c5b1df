namespace WeChatAi.Core.Knowledge;

/// <summary>A question the knowledge base missed, as the operator's list shows it.</summary>
public sealed record MissedQuestionItem(long Id, string Question, DateTimeOffset AskedAt);

/// <summary>Missed questions asked alike; the newest one stands for them.</summary>
public sealed record QuestionGroup(IReadOnlyList<MissedQuestionItem> Questions)
{
    public MissedQuestionItem Representative => Questions[0];

    public DateTimeOffset LastSeen => Questions.Max(q => q.AskedAt);
}

/// <summary>
/// Groups questions by their words' overlap: the words two questions share over the words of the shorter one (the
/// overlap coefficient of jieba's words, <see cref="AskingWords"/> aside), at least <see cref="MinSimilarity"/> with a
/// group's first question. "能开发票吗" and "发票怎么开" are one group (jieba cuts the first into 开发, 发票, 开发票:
/// Jaccard would part them), "今天天气怎么样" another. One pass, newest first, so a group's representative is its newest
/// question; groups come largest first, then most recent.
/// </summary>
public static class QuestionGroups
{
    public const double MinSimilarity = 0.5;

    public static IReadOnlyList<QuestionGroup> Group(IEnumerable<(MissedQuestionItem Question, string[] Words)> newestFirst)
    {
        ArgumentNullException.ThrowIfNull(newestFirst);
        var groups = new List<(HashSet<string> Words, string Text, List<MissedQuestionItem> Questions)>();
        foreach (var (question, words) in newestFirst)
        {
            var set = words.Where(w => !AskingWords.Set.Contains(w)).ToHashSet(StringComparer.Ordinal);
            var text = question.Question.Trim();
            var group = groups.FindIndex(g => set.Count == 0 || g.Words.Count == 0 ? g.Text == text : Overlap(g.Words, set) >= MinSimilarity);
            if (group < 0)
            {
                groups.Add((set, text, [question]));
            }
            else
            {
                groups[group].Questions.Add(question);
            }
        }

        return [.. groups.Select(g => new QuestionGroup(g.Questions)).OrderByDescending(g => g.Questions.Count).ThenByDescending(g => g.LastSeen)];
    }

    private static double Overlap(HashSet<string> a, HashSet<string> b) => (double)a.Count(b.Contains) / Math.Min(a.Count, b.Count);
}
