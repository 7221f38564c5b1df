using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace WeChatAi.Worker.Knowledge.Extraction;

/// <summary>
/// An HTML page's main text: scripts, styles, navigation, headers, footers, asides and forms dropped; the main part
/// (a WeChat article's <c>#js_content</c>, else <c>article</c>, <c>main</c>, else the body) walked in document order,
/// <c>h1</c>–<c>h6</c> kept as section headings, block elements as paragraphs, list items and table rows as lines.
/// </summary>
internal static class HtmlText
{
    private const string Noise = "script, style, noscript, template, nav, header, footer, aside, form, iframe, svg, button, select, [hidden], [aria-hidden=true]";

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "section", "article", "main", "blockquote", "pre", "ul", "ol", "dl", "dt", "dd", "table", "figure", "figcaption", "hr", "body", "center",
    };

    static HtmlText() =>
        // Chinese pages are often GBK or GB2312, which .NET knows only with the code pages provider.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>From bytes: the charset is <paramref name="charset"/> (a Content-Type's) when given and known, else the page's BOM or meta tag.</summary>
    public static ExtractedDocument Extract(byte[] html, string? charset = null)
    {
        var parser = new HtmlParser();
        Encoding? encoding = null;
        try
        {
            encoding = charset is null ? null : Encoding.GetEncoding(charset.Trim('"'));
        }
        catch (ArgumentException)
        {
            // An unknown charset: the page's own meta tag decides.
        }

        using var document = encoding is null ? parser.ParseDocument(new MemoryStream(html)) : parser.ParseDocument(encoding.GetString(html));
        return From(document);
    }

    public static ExtractedDocument Extract(string html)
    {
        using var document = new HtmlParser().ParseDocument(html);
        return From(document);
    }

    private static ExtractedDocument From(IDocument document)
    {
        var title = ExtractedDocument.OneLineOrNull(document.QuerySelector("meta[property='og:title']")?.GetAttribute("content"))
                    ?? ExtractedDocument.OneLineOrNull(document.Title)
                    ?? ExtractedDocument.OneLineOrNull(document.QuerySelector("h1")?.TextContent);
        foreach (var noise in document.QuerySelectorAll(Noise).ToList())
        {
            noise.Remove();
        }

        var root = document.QuerySelector("#js_content") ?? document.QuerySelector("article") ?? document.QuerySelector("main, [role=main]")
                   ?? (INode?)document.Body ?? document;
        var text = new StringBuilder();
        Walk(root, text);
        return new ExtractedDocument(title, ExtractedDocument.Tidy(text));
    }

    /// <summary>A line break unless the text already ends one: list items and rows are lines, not paragraphs.</summary>
    private static StringBuilder EndLine(StringBuilder text) => text.Length > 0 && text[^1] != '\n' ? text.Append('\n') : text;

    private static void Walk(INode node, StringBuilder text)
    {
        foreach (var child in node.ChildNodes)
        {
            if (child is IText words)
            {
                // Whitespace between tags is layout, not text; inside a run it is one space.
                var run = ExtractedDocument.OneLine(words.Data);
                if (run.Length > 0)
                {
                    text.Append(char.IsWhiteSpace(words.Data[0]) && text.Length > 0 && text[^1] != '\n' ? " " : "").Append(run);
                }

                continue;
            }

            if (child is not IElement element)
            {
                continue;
            }

            var tag = element.LocalName;
            if (tag.Length == 2 && tag[0] == 'h' && tag[1] is >= '1' and <= '6')
            {
                text.Append("\n\n").Append(ExtractedDocument.Heading(tag[1] - '0', element.TextContent)).Append("\n\n");
            }
            else if (tag == "br")
            {
                text.Append('\n');
            }
            else if (tag == "tr")
            {
                var cells = element.Children.Where(c => c.LocalName is "td" or "th").Select(c => ExtractedDocument.OneLine(c.TextContent)).Where(c => c.Length > 0);
                EndLine(text).AppendJoin(" | ", cells);
                EndLine(text);
            }
            else if (tag == "li")
            {
                EndLine(text);
                Walk(element, text);
                EndLine(text);
            }
            else if (Blocks.Contains(tag))
            {
                text.Append("\n\n");
                Walk(element, text);
                text.Append("\n\n");
            }
            else
            {
                Walk(element, text);
            }
        }
    }
}
