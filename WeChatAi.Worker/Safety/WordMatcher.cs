using System.Buffers;
using System.Collections.Frozen;

namespace WeChatAi.Worker.Safety;

/// <summary>
/// Finds listed terms in a text, both folded by <see cref="TextNormalizer"/>, with an Aho–Corasick automaton: one
/// pass over the folded text whatever the number of terms, every overlap found (failure links), no allocation but
/// the two pooled buffers of the folding. No served library does this; the automaton is the textbook one.
/// Immutable: a reload builds a new one.
/// </summary>
internal sealed class WordMatcher
{
    private const int Root = 0;

    // (state << 16 | character) → next state: a trie over a Chinese vocabulary is too wide for a table per state.
    private readonly FrozenDictionary<long, int> _next;
    private readonly int[] _failure;

    // The term ending at each state (-1: none), and the nearest state on its failure chain where one ends (Root: none).
    private readonly int[] _term;
    private readonly int[] _outputLink;
    private readonly string[] _terms;
    private readonly int[] _foldedLengths;

    private WordMatcher(FrozenDictionary<long, int> next, int[] failure, int[] term, int[] outputLink, string[] terms, int[] foldedLengths)
    {
        _next = next;
        _failure = failure;
        _term = term;
        _outputLink = outputLink;
        _terms = terms;
        _foldedLengths = foldedLengths;
    }

    public static WordMatcher Empty { get; } = Build([]);

    /// <summary>The distinct terms, after folding.</summary>
    public int Count => _terms.Length;

    /// <summary>
    /// An automaton for <paramref name="terms"/> (as written in the list); terms that fold to nothing (only spaces or
    /// punctuation) are left out, and of terms that fold alike the first is kept.
    /// </summary>
    public static WordMatcher Build(IEnumerable<string> terms)
    {
        var children = new List<Dictionary<char, int>> { new() };
        var termAt = new List<int> { -1 };
        var kept = new List<string>();
        var foldedLengths = new List<int>();
        foreach (var term in terms)
        {
            var folded = TextNormalizer.Fold(term);
            if (folded.Length == 0)
            {
                continue;
            }

            var state = Root;
            foreach (var c in folded)
            {
                if (!children[state].TryGetValue(c, out var child))
                {
                    child = children.Count;
                    children.Add([]);
                    termAt.Add(-1);
                    children[state][c] = child;
                }

                state = child;
            }

            if (termAt[state] < 0)
            {
                termAt[state] = kept.Count;
                kept.Add(term.Trim());
                foldedLengths.Add(folded.Length);
            }
        }

        // Breadth first, so each state's failure target (a shorter suffix) is complete before the state itself.
        var failure = new int[children.Count];
        var outputLink = new int[children.Count];
        var queue = new Queue<int>(children[Root].Values);
        while (queue.TryDequeue(out var state))
        {
            foreach (var (c, child) in children[state])
            {
                var fallback = failure[state];
                while (fallback != Root && !children[fallback].ContainsKey(c))
                {
                    fallback = failure[fallback];
                }

                var target = state != Root && children[fallback].TryGetValue(c, out var next) ? next : Root;
                failure[child] = target;
                outputLink[child] = termAt[target] >= 0 ? target : outputLink[target];
                queue.Enqueue(child);
            }
        }

        var transitions = new Dictionary<long, int>();
        for (var state = 0; state < children.Count; state++)
        {
            foreach (var (c, child) in children[state])
            {
                transitions[Key(state, c)] = child;
            }
        }

        return new WordMatcher(transitions.ToFrozenDictionary(), failure, [.. termAt], outputLink, [.. kept], [.. foldedLengths]);
    }

    /// <summary>
    /// The listed term that ends first in <paramref name="text"/> (the longest of those ending there), with where its
    /// evasive spelling is in the original text; null when no term occurs.
    /// </summary>
    public WordMatch? FindFirst(string text)
    {
        if (_terms.Length == 0 || text.Length == 0)
        {
            return null;
        }

        var folded = ArrayPool<char>.Shared.Rent(text.Length);
        var origins = ArrayPool<int>.Shared.Rent(text.Length);
        try
        {
            var length = TextNormalizer.Fold(text, folded, origins);
            var state = Root;
            for (var i = 0; i < length; i++)
            {
                state = Step(state, folded[i]);
                var found = _term[state] >= 0 ? _term[state] : _term[_outputLink[state]];
                if (found >= 0)
                {
                    var start = origins[i - _foldedLengths[found] + 1];
                    var end = origins[i] + (char.IsHighSurrogate(text[origins[i]]) ? 2 : 1);
                    return new WordMatch(_terms[found], start, end - start);
                }
            }

            return null;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(folded);
            ArrayPool<int>.Shared.Return(origins);
        }
    }

    private int Step(int state, char c)
    {
        while (true)
        {
            if (_next.TryGetValue(Key(state, c), out var next))
            {
                return next;
            }

            if (state == Root)
            {
                return Root;
            }

            state = _failure[state];
        }
    }

    private static long Key(int state, char c) => ((long)state << 16) | c;
}

/// <summary>A listed term (as written in its list) and the span of the original text it was found in.</summary>
internal readonly record struct WordMatch(string Term, int Start, int Length);
