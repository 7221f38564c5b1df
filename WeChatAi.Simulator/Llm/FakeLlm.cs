using System.Security.Cryptography;
using System.Text;
using WeChatAi.Core.Knowledge;

namespace WeChatAi.Simulator.Llm;

/// <summary>
/// Writes the fake model's answers: recognisable, with some Markdown, long on request; a question sent with knowledge
/// passages is answered from them (<see cref="FakeKnowledgeAnswer"/>), or begins with the not-covered marker.
/// </summary>
public static class FakeLlm
{
    public const string Model = "simulator-chat";
    public const string Marker = "【模拟AI】";

    public static string Answer(string question, int turns)
    {
        if (KnowledgePrompt.TryRead(question, out var passages, out var asked))
        {
            return FakeKnowledgeAnswer.From(passages, asked) ?? KnowledgePrompt.NotCovered + Answer(asked, turns);
        }

        var builder = new StringBuilder()
            .Append(Marker).Append("你问的是：「").Append(question.Trim()).Append("」。\n\n")
            .Append("**要点**\n\n")
            .Append("1. 这是模拟器的回答，没有调用真实的大模型。\n")
            .Append("2. 本次对话已有 ").Append(turns).Append(" 条历史消息。\n");

        // "长" / "long" asks for an answer longer than one WeChat message (2048 bytes), to show splitting; "超长" for one
        // of more than 6,000 characters (how the console shows a very long answer).
        if (question.Contains('长', StringComparison.Ordinal) || question.Contains("long", StringComparison.OrdinalIgnoreCase))
        {
            var paragraphs = question.Contains("超长", StringComparison.Ordinal) ? 80 : 24;
            for (var paragraph = 1; paragraph <= paragraphs; paragraph++)
            {
                builder.Append("\n## 第").Append(paragraph).Append("段\n\n")
                    .Append("这是一段用来测试长回答拆分的文字。微信客服消息每条最多 2048 字节，所以长回答会在段落或句子边界拆成几条，按顺序发送。")
                    .Append("每一段都足够长，保证整体超过五千字节。");
            }
        }

        return builder.ToString();
    }

    /// <summary>A rough token count (about two characters per token for mixed Chinese and English).</summary>
    public static int Tokens(string text) => Math.Max(1, text.Length / 2);

    public static bool Roll(double rate) => rate > 0 && RandomNumberGenerator.GetInt32(1_000_000) < rate * 1_000_000;
}
