using System.Runtime.CompilerServices;
using JiebaNet.Segmenter;

namespace WeChatAi.Core.Knowledge;

/// <summary>
/// Chinese words for keyword ranking, by jieba.NET: a passage in its precise mode, a question in its search mode (which
/// adds the shorter words inside long ones: "退款申请" also gives "退款" and "申请"). Lower-cased; stop words
/// (jieba's list) and punctuation dropped. jieba reads its dictionaries from <see cref="ResourceDirectory"/>, copied
/// beside the binary by Core's build; loading them takes 1–2 s and ~35 MB of heap (docs/knowledge.md), so one
/// instance serves the process and <see cref="KnowledgeSegmenterLoader"/> builds it in the background at start.
/// </summary>
public sealed class KnowledgeSegmenter
{
    /// <summary>Where the build puts jieba's dictionary, HMM model and stop words (the package's <c>Resources</c>).</summary>
    public static string ResourceDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "jieba");

    private readonly JiebaSegmenter _jieba;
    private readonly HashSet<string> _stopWords;

    public KnowledgeSegmenter()
    {
        // Read by jieba's static dictionary on first use; relative paths would follow the working directory.
        ConfigManager.ConfigFileBaseDir = ResourceDirectory;
        _jieba = Create();
        _stopWords = File.ReadLines(Path.Combine(ResourceDirectory, "stopwords.txt"))
            .Select(w => w.Trim().ToLowerInvariant()).Where(w => w.Length > 0).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The words a passage is ranked by.</summary>
    public string[] Passage(string text) => Keep(_jieba.Cut(text, cutAll: false, hmm: true));

    /// <summary>The words a question is looked up by.</summary>
    public string[] Question(string text) => Keep(_jieba.CutForSearch(text, hmm: true));

    private string[] Keep(IEnumerable<string> words) =>
        words.Select(w => w.Trim().ToLowerInvariant())
            .Where(w => w.Length > 0 && w.Any(char.IsLetterOrDigit) && !_stopWords.Contains(w))
            .ToArray();

    // Not inlined: jieba's dictionary is a static singleton, created only after the base directory above is set.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static JiebaSegmenter Create()
    {
        var jieba = new JiebaSegmenter();
        _ = jieba.Cut("加载词典和模型", cutAll: false, hmm: true).ToList();
        return jieba;
    }
}
