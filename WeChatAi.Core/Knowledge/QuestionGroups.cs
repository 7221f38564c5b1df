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
/// Groups questions by their words' overlap (Jaccard similarity of jieba's words, at least <see cref="MinSimilarity"/>
/// with a group's first question): "退款怎么申请" and "怎么申请退款" are one group, "课程多少钱" another. One pass,
/// newest first, so a group's representative is its newest question; groups come largest first, then most recent.
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
            var set = words.ToHashSet(StringComparer.Ordinal);
            var text = question.Question.Trim();
            var group = groups.FindIndex(g => set.Count == 0 || g.Words.Count == 0 ? g.Text == text : Jaccard(g.Words, set) >= MinSimilarity);
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

    public static double Jaccard(IReadOnlySet<string> a, IReadOnlySet<string> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var shared = a.Count(b.Contains);
        var union = a.Count + b.Count - shared;
        return union == 0 ? 1 : (double)shared / union;
    }
}
