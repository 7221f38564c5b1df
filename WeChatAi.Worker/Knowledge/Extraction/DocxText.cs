using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace WeChatAi.Worker.Knowledge.Extraction;

/// <summary>
/// A Word document's text (Open XML SDK): paragraphs in order, those with a heading style (<c>Heading 1</c>… or
/// <c>Title</c>, by style name, so localized Word's ids work too) as section headings, each table row as a line of
/// its cells.
/// </summary>
internal static class DocxText
{
    /// <summary>The most a DOCX's parts may expand to: a zip bomb (a few MB inflating to gigabytes) fails, not the worker.</summary>
    public const long MaxExpandedBytes = 256L * 1024 * 1024;

    /// <exception cref="UnindexableSourceException">The file is not a readable DOCX, or expands past <paramref name="maxExpandedBytes"/>.</exception>
    public static ExtractedDocument Extract(byte[] docx, long maxExpandedBytes = MaxExpandedBytes)
    {
        try
        {
            // The sizes the zip declares; reading an entry past its declared size is an error in .NET's zip reader.
            using (var zip = new ZipArchive(new MemoryStream(docx), ZipArchiveMode.Read))
            {
                var expanded = zip.Entries.Sum(e => e.Length);
                if (expanded > maxExpandedBytes)
                {
                    throw new UnindexableSourceException($"The DOCX expands to {expanded:N0} bytes, more than the {maxExpandedBytes:N0} read.");
                }
            }

            using var document = WordprocessingDocument.Open(new MemoryStream(docx), isEditable: false);
            var main = document.MainDocumentPart ?? throw new InvalidDataException("it has no main document part");
            var body = main.Document?.Body ?? throw new InvalidDataException("it has no body");
            var levels = HeadingLevels(main.StyleDefinitionsPart?.Styles);
            var text = new StringBuilder();
            foreach (var element in body.ChildElements)
            {
                if (element is Paragraph paragraph)
                {
                    var words = string.Concat(paragraph.Descendants<Text>().Select(t => t.Text));
                    var style = paragraph.ParagraphProperties?.ParagraphStyleId?.Val?.Value;
                    text.Append(style is not null && levels.TryGetValue(style, out var level) && words.Trim().Length > 0
                        ? ExtractedDocument.Heading(level, words)
                        : words).Append("\n\n");
                }
                else if (element is Table table)
                {
                    foreach (var row in table.Descendants<TableRow>())
                    {
                        text.AppendJoin(" | ", row.Descendants<TableCell>().Select(c => ExtractedDocument.OneLine(c.InnerText)).Where(c => c.Length > 0)).Append('\n');
                    }

                    text.Append('\n');
                }
            }

            return new ExtractedDocument(ExtractedDocument.OneLineOrNull(document.PackageProperties.Title), ExtractedDocument.Tidy(text));
        }
#pragma warning disable CA1031 // A damaged or foreign zip throws many types here; each fails this source, never the worker.
        catch (Exception ex) when (ex is not UnindexableSourceException)
#pragma warning restore CA1031
        {
            throw new UnindexableSourceException($"The DOCX could not be read: {ex.Message}");
        }
    }

    /// <summary>Style id → heading level: by the style's name (<c>heading 2</c>, <c>Title</c>), else by its id (<c>Heading2</c>).</summary>
    private static Dictionary<string, int> HeadingLevels(Styles? styles)
    {
        var levels = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var level = 1; level <= 6; level++)
        {
            levels[$"Heading{level}"] = level;
        }

        levels["Title"] = 1;
        foreach (var style in styles?.Elements<Style>() ?? [])
        {
            var name = style.StyleName?.Val?.Value?.ToLowerInvariant();
            if (style.StyleId?.Value is not { } id || name is null)
            {
                continue;
            }

            if (name == "title")
            {
                levels[id] = 1;
            }
            else if (name.StartsWith("heading ", StringComparison.Ordinal) && int.TryParse(name.AsSpan(8), out var level) && level is >= 1 and <= 9)
            {
                levels[id] = Math.Min(level, 6);
            }
        }

        return levels;
    }
}
