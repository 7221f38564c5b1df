using System.Security.Cryptography;
using System.Text;
using WeChatAi.Core.Data.Knowledge;
using WeChatAi.Core.Knowledge;

namespace WeChatAi.Worker.Knowledge;

/// <summary>A source's content that cannot be indexed, with the reason the operator sees.</summary>
internal sealed class UnindexableSourceException(string reason) : Exception(reason);

/// <summary>A source's chunks, each with the words it is ranked by (its title and heading count as its words too).</summary>
internal static class SourceIndexing
{
    /// <summary>
    /// What the chunks of <paramref name="title"/> and <paramref name="text"/> depend on, the chunk settings included:
    /// equal to the stored <see cref="KnowledgeSource.TextHash"/>, the stored chunks stand.
    /// </summary>
    public static string TextHash(KnowledgeSourceKind kind, string title, string text, KnowledgeOptions options) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{kind}\n{options.ChunkChars}\n{options.ChunkOverlapChars}\n{title}\n{text}")));

    /// <exception cref="UnindexableSourceException">The content has nothing to rank by.</exception>
    public static List<KnowledgeChunk> Chunks(KnowledgeSource source, string title, string text, KnowledgeOptions options, KnowledgeSegmenter segmenter)
    {
        var drafts = source.Kind == KnowledgeSourceKind.Faq
            ? [TextChunker.Faq(title, text)]
            : TextChunker.Split(text, options.ChunkChars, options.ChunkOverlapChars);
        // An FAQ's text holds its question; a document's passages are found by its title and their heading too.
        var titleWords = source.Kind == KnowledgeSourceKind.Faq ? [] : segmenter.Passage(title);
        var hasWords = false;
        var chunks = drafts.Select((draft, ordinal) =>
        {
            var words = segmenter.Passage(draft.Text);
            hasWords |= words.Length > 0;
            return new KnowledgeChunk
            {
                SourceId = source.Id,
                Ordinal = ordinal,
                Heading = draft.Heading is { Length: > KnowledgeChunk.MaxHeading } deep ? deep[..KnowledgeChunk.MaxHeading] : draft.Heading,
                Text = draft.Text,
                Tokens = [.. titleWords, .. draft.Heading is null ? [] : segmenter.Passage(draft.Heading), .. words],
            };
        }).ToList();
        if (!hasWords)
        {
            throw new UnindexableSourceException("The source has no words to index: its text is empty or only punctuation and stop words.");
        }

        return chunks;
    }
}
