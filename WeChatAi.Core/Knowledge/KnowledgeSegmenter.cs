using System.Diagnostics;
using System.Runtime.CompilerServices;
using JiebaNet.Segmenter;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace WeChatAi.Core.Knowledge;

/// <summary>
/// Chinese words for keyword ranking, by jieba.NET: a passage in its precise mode, a question in its search mode (which
/// adds the shorter words inside long ones: "退款申请" also gives "退款" and "申请"). Lower-cased; stop words
/// (jieba's list) and punctuation dropped. jieba reads its dictionaries from <see cref="ResourceDirectory"/>, copied
/// beside the binary by Core's build. Loading them takes 1–2 s and ~35 MB of heap (docs/knowledge.md), so it happens
/// once per process and only when needed: on first use, or ahead of it with <see cref="Preload"/> once there are passages.
/// </summary>
public sealed partial class KnowledgeSegmenter(ILogger<KnowledgeSegmenter> logger)
{
    /// <summary>Where the build puts jieba's dictionary, HMM model and stop words (the package's <c>Resources</c>).</summary>
    public static string ResourceDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "jieba");

    private readonly Lazy<Loaded> _loaded = new(() => Load(logger), LazyThreadSafetyMode.ExecutionAndPublication);

    public KnowledgeSegmenter()
        : this(NullLogger<KnowledgeSegmenter>.Instance)
    {
    }

    /// <summary>The words a passage is ranked by.</summary>
    public string[] Passage(string text) => Keep(_loaded.Value.Jieba.Cut(text, cutAll: false, hmm: true));

    /// <summary>The words a question is looked up by.</summary>
    public string[] Question(string text) => Keep(_loaded.Value.Jieba.CutForSearch(text, hmm: true));

    /// <summary>Loads the dictionaries in the background, so the first question does not wait for them.</summary>
    public void Preload()
    {
        if (!_loaded.IsValueCreated)
        {
            _ = Task.Run(() => _loaded.Value);
        }
    }

    private string[] Keep(IEnumerable<string> words)
    {
        var stopWords = _loaded.Value.StopWords;
        return words.Select(w => w.Trim().ToLowerInvariant())
            .Where(w => w.Length > 0 && w.Any(char.IsLetterOrDigit) && !stopWords.Contains(w))
            .ToArray();
    }

    private static Loaded Load(ILogger logger)
    {
        var started = Stopwatch.GetTimestamp();

        // Read by jieba's static dictionary on first use; relative paths would follow the working directory.
        ConfigManager.ConfigFileBaseDir = ResourceDirectory;
        var loaded = new Loaded(
            Create(),
            File.ReadLines(Path.Combine(ResourceDirectory, "stopwords.txt"))
                .Select(w => w.Trim().ToLowerInvariant()).Where(w => w.Length > 0).ToHashSet(StringComparer.Ordinal));
        LogLoaded(logger, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return loaded;
    }

    // Not inlined: jieba's dictionary is a static singleton, created only after the base directory above is set.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static JiebaSegmenter Create()
    {
        var jieba = new JiebaSegmenter();
        _ = jieba.Cut("加载词典和模型", cutAll: false, hmm: true).ToList();
        return jieba;
    }

    private sealed record Loaded(JiebaSegmenter Jieba, HashSet<string> StopWords);

    [LoggerMessage(1, LogLevel.Information, "Loaded jieba's dictionaries for the knowledge base in {Milliseconds:F0} ms.")]
    private static partial void LogLoaded(ILogger logger, double milliseconds);
}
