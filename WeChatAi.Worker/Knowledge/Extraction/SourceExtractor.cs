using WeChatAi.Core.Data.Knowledge;

namespace WeChatAi.Worker.Knowledge.Extraction;

/// <summary>A source's text for the chunker, by its kind: as stored, extracted from its file or its HTML, or fetched.</summary>
internal sealed class SourceExtractor(PageFetcher pages)
{
    /// <exception cref="UnindexableSourceException">The file or page cannot be read, with the reason the operator sees.</exception>
    public async Task<ExtractedDocument> ExtractAsync(KnowledgeSource source, CancellationToken cancellationToken) => source.Kind switch
    {
        KnowledgeSourceKind.Html => HtmlText.Extract(File(source)),
        KnowledgeSourceKind.Pdf => PdfText.Extract(File(source)),
        KnowledgeSourceKind.Docx => DocxText.Extract(File(source)),
        KnowledgeSourceKind.Url => await pages.FetchAsync(source.Url ?? throw new UnindexableSourceException("The source has no URL."), cancellationToken).ConfigureAwait(false),
        KnowledgeSourceKind.Article => HtmlText.Extract(source.Content),
        _ => new ExtractedDocument(null, source.Content),
    };

    private static byte[] File(KnowledgeSource source) => source.File ?? throw new UnindexableSourceException("The source's file is missing.");
}
