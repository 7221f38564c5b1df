using System.Text;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace WeChatAi.Worker.Knowledge.Extraction;

/// <summary>A PDF's text, page by page in the order its content draws it (PdfPig), each page a paragraph at least.</summary>
internal static class PdfText
{
    /// <exception cref="UnindexableSourceException">The PDF cannot be read, or has no text (a scan).</exception>
    public static ExtractedDocument Extract(byte[] pdf)
    {
        var text = new StringBuilder();
        string? title;
        try
        {
            using var document = PdfDocument.Open(pdf);
            title = ExtractedDocument.OneLineOrNull(document.Information.Title);
            foreach (var page in document.GetPages())
            {
                text.Append(ContentOrderTextExtractor.GetText(page)).Append("\n\n");
            }
        }
#pragma warning disable CA1031 // PdfPig throws many types on a damaged file; each fails this source, never the worker.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            throw new UnindexableSourceException($"The PDF could not be read: {ex.Message}");
        }

        var tidy = ExtractedDocument.Tidy(text);
        return tidy.Length > 0
            ? new ExtractedDocument(title, tidy)
            : throw new UnindexableSourceException("The PDF has no text to index (a scanned PDF has only images; this version does no OCR).");
    }
}
