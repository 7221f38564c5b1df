using WeChatAi.Core.Data.Knowledge;
using WeChatAi.Core.Knowledge;

namespace WeChatAi.Worker.Knowledge;

/// <summary>A source's content that cannot be indexed, with the reason the operator sees.</summary>
internal sealed class UnindexableSourceException(string reason) : Exception(reason);

/// <summary>A source's chunks, each with the words it is ranked by (its title and heading count as its words too).</summary>
internal static class SourceIndexing
{
    /// <exception cref="UnindexableSourceException">The content has nothing to rank by.</exception>
    public static List<KnowledgeChunk> Chunks(KnowledgeSource source, KnowledgeOptions options, KnowledgeSegmenter segmenter)
    {
        var drafts = source.Kind == KnowledgeSourceKind.Faq
            ? [TextChunker.Faq(source.Title, source.Content)]
            : TextChunker.Split(source.Content, options.ChunkChars, options.ChunkOverlapChars);
        var chunks = drafts.Select((draft, ordinal) => new KnowledgeChunk
        {
            SourceId = source.Id,
            Ordinal = ordinal,
            Heading = draft.Heading is { Length: > KnowledgeChunk.MaxHeading } deep ? deep[..KnowledgeChunk.MaxHeading] : draft.Heading,
            Text = draft.Text,
            Tokens = segmenter.Passage(source.Kind == KnowledgeSourceKind.Faq ? draft.Text : $"{source.Title}\n{draft.Heading}\n{draft.Text}"),
        }).ToList();
        if (chunks.Count == 0 || chunks.All(c => c.Tokens.Length == 0))
        {
            throw new UnindexableSourceException("The source has no words to index: its text is empty or only punctuation and stop words.");
        }

        return chunks;
    }
}
