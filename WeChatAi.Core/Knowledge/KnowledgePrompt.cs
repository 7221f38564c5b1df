using System.Text;

namespace WeChatAi.Core.Knowledge;

/// <summary>
/// How passages reach the LLM: in the user's message, numbered, inside <see cref="Open"/>/<see cref="Close"/>, with the
/// instruction to answer from them and to begin with <see cref="NotCovered"/> when they do not cover the question (the
/// worker strips it and counts a miss). Shared with the simulator's LLM, which answers such a message from it.
/// </summary>
public static class KnowledgePrompt
{
    public const string Open = "<knowledge>";
    public const string Close = "</knowledge>";
    public const string NotCovered = "〔资料未涵盖〕";
    public const string PassageHeader = "【资料";
    public const string QuestionLabel = "用户的问题：";

    private const string Instruction =
        "下面 <knowledge> 里是本公众号知识库中与用户问题有关的资料。请根据这些资料回答用户的问题，不要编造资料里没有的价格、时间、政策或联系方式，"
        + "也不要提到“资料”“知识库”这些词。如果这些资料不能回答这个问题，请在回答的最开头写上“" + NotCovered + "”。";

    public static string Build(IEnumerable<KnowledgePassage> passages, string question)
    {
        ArgumentNullException.ThrowIfNull(passages);
        var text = new StringBuilder(Instruction).Append('\n').Append(Open).Append('\n');
        var number = 0;
        foreach (var passage in passages)
        {
            text.Append(PassageHeader).Append(++number).Append("】《").Append(Clean(passage.Title)).Append('》');
            if (passage.Heading is { Length: > 0 } heading)
            {
                text.Append(' ').Append(Clean(heading));
            }

            text.Append('\n').Append(Clean(passage.Text).Trim()).Append("\n\n");
        }

        return text.Append(Close).Append('\n').Append(QuestionLabel).Append(question).ToString();
    }

    /// <summary>The passages' texts and the question of a message <see cref="Build"/> made; false for any other message.</summary>
    public static bool TryRead(string message, out IReadOnlyList<string> passages, out string question)
    {
        ArgumentNullException.ThrowIfNull(message);
        passages = [];
        question = message;
        var open = message.IndexOf(Open + "\n", StringComparison.Ordinal);
        var close = message.LastIndexOf(Close + "\n" + QuestionLabel, StringComparison.Ordinal);
        if (open < 0 || close < open)
        {
            return false;
        }

        List<string> found = [];
        StringBuilder? current = null;
        foreach (var line in message[(open + Open.Length + 1)..close].Split('\n'))
        {
            if (line.StartsWith(PassageHeader, StringComparison.Ordinal))
            {
                Add(found, current);
                current = new StringBuilder();
            }
            else
            {
                current?.Append(line).Append('\n');
            }
        }

        Add(found, current);
        passages = found;
        question = message[(close + Close.Length + 1 + QuestionLabel.Length)..];
        return true;
    }

    private static void Add(List<string> found, StringBuilder? passage)
    {
        if (passage is not null)
        {
            found.Add(passage.ToString().Trim());
        }
    }

    // An operator's text cannot close the block early or pose as another passage.
    private static string Clean(string text) =>
        text.Replace(Open, "", StringComparison.Ordinal).Replace(Close, "", StringComparison.Ordinal)
            .Replace("\n" + PassageHeader, "\n[资料", StringComparison.Ordinal);
}
