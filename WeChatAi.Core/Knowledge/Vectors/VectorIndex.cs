using System.Numerics.Tensors;

namespace WeChatAi.Core.Knowledge.Vectors;

/// <summary>
/// Exact cosine search over the passages' vectors: one contiguous float32 matrix of L2-normalised rows, so cosine is a
/// dot product (<see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>, SIMD) and a question costs
/// one pass over it. Immutable once built. Exact rather than approximate: at the tens of thousands of chunks one account
/// has, a pass takes milliseconds (docs/knowledge.md) and needs no pgvector, which Debian 12 does not ship.
/// </summary>
public sealed class VectorIndex
{
    public static readonly VectorIndex Empty = new([], [], 0);

    private readonly float[] _matrix;
    private readonly int[] _passages;

    private VectorIndex(float[] matrix, int[] passages, int dimensions)
    {
        _matrix = matrix;
        _passages = passages;
        Dimensions = dimensions;
    }

    public int Dimensions { get; }

    /// <summary>The passages that have a vector.</summary>
    public int Count => _passages.Length;

    /// <summary>The bytes its matrix and row map hold.</summary>
    public long Bytes => (_matrix.LongLength * sizeof(float)) + (_passages.LongLength * sizeof(int));

    /// <summary>
    /// Builds it from each passage's vector (by its position in the passage list; null for none). Vectors of another
    /// length than the first are left out: they cannot come from the same model.
    /// </summary>
    public static VectorIndex Build(IReadOnlyList<float[]?> vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        var dimensions = vectors.FirstOrDefault(v => v is { Length: > 0 })?.Length ?? 0;
        if (dimensions == 0)
        {
            return Empty;
        }

        var rows = new List<int>(vectors.Count);
        for (var i = 0; i < vectors.Count; i++)
        {
            if (vectors[i]?.Length == dimensions)
            {
                rows.Add(i);
            }
        }

        var matrix = new float[(long)rows.Count * dimensions];
        for (var row = 0; row < rows.Count; row++)
        {
            var target = matrix.AsSpan(row * dimensions, dimensions);
            vectors[rows[row]]!.CopyTo(target);
            Normalize(target);
        }

        return new VectorIndex(matrix, [.. rows], dimensions);
    }

    /// <summary>Scales a vector to length 1 in place (a zero vector stays zero: it matches nothing).</summary>
    public static void Normalize(Span<float> vector)
    {
        var norm = TensorPrimitives.Norm(vector);
        if (norm > 0)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }
    }

    /// <summary>
    /// The <paramref name="top"/> passages (their positions in the passage list) most similar to the question's vector,
    /// best first with their cosine; none when the vector is not of this index's size.
    /// </summary>
    public IReadOnlyList<(int Passage, float Cosine)> Search(ReadOnlySpan<float> question, int top)
    {
        if (question.Length != Dimensions || Count == 0 || top < 1)
        {
            return [];
        }

        Span<float> query = question.Length <= 2048 ? stackalloc float[question.Length] : new float[question.Length];
        question.CopyTo(query);
        Normalize(query);

        // A min-heap of the best so far: the worst of them is the one a better row replaces.
        var best = new PriorityQueue<int, (float Cosine, int Row)>(top + 1, WorstFirst.Instance);
        for (var row = 0; row < _passages.Length; row++)
        {
            var cosine = TensorPrimitives.Dot(query, _matrix.AsSpan(row * Dimensions, Dimensions));
            if (best.Count < top)
            {
                best.Enqueue(row, (cosine, row));
            }
            else if (best.TryPeek(out _, out var worst) && cosine > worst.Cosine)
            {
                best.DequeueEnqueue(row, (cosine, row));
            }
        }

        var found = new (int Passage, float Cosine)[best.Count];
        for (var i = found.Length - 1; i >= 0; i--)
        {
            best.TryDequeue(out var row, out var priority);
            found[i] = (_passages[row], priority.Cosine);
        }

        return found;
    }

    /// <summary>Lower cosine first; on a tie the later row (the newer chunk) first, so the older one is kept, as BM25 does.</summary>
    private sealed class WorstFirst : IComparer<(float Cosine, int Row)>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare((float Cosine, int Row) x, (float Cosine, int Row) y) =>
            x.Cosine != y.Cosine ? x.Cosine.CompareTo(y.Cosine) : y.Row.CompareTo(x.Row);
    }
}
