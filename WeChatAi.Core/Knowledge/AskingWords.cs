namespace WeChatAi.Core.Knowledge;

/// <summary>
/// Words that say how a question is asked, not what it is about (jieba's stop words drop "吗", "的", not these): a
/// passage sharing only "怎么" with "今天天气怎么样" covers nothing of it, and two questions sharing only "可以" are
/// not alike. Left out of a passage's match and of the missed questions' grouping (BM25 keeps them).
/// </summary>
public static class AskingWords
{
    public static IReadOnlySet<string> Set { get; } = new HashSet<string>(
        ["怎么", "怎么样", "怎样", "如何", "什么", "为什么", "为何", "多少", "几", "哪", "哪里", "哪儿", "哪个", "哪些", "是否", "能否",
         "可以", "能", "可", "会", "请问", "请", "我要", "我想", "想", "要", "有没有", "有", "是", "一下", "你们", "我们", "您"],
        StringComparer.Ordinal);
}
