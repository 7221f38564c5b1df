using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;
using WeChatAi.Core.Knowledge;
using WeChatAi.Worker.Knowledge;
using WeChatAi.Worker.Knowledge.Extraction;

namespace WeChatAi.UnitTests.Knowledge;

/// <summary>Documents to the chunker's text: each extractor on a small real file made here, headings kept as sections.</summary>
public sealed class ExtractionTests
{
    private const string Page = """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>退款说明 - 示例学院</title>
        <style>.x { color: red }</style><script>var tracking = "不要索引这段脚本";</script></head>
        <body>
          <header><div class="logo">示例学院</div></header>
          <nav><a href="/">首页</a> <a href="/courses">全部课程</a></nav>
          <main>
            <h1>退款政策</h1>
            <p>购买课程后七天内可以申请<strong>全额退款</strong>。</p>
            <h2>申请流程</h2>
            <ul><li>打开“我的订单”</li><li>点“申请退款”</li></ul>
            <table><tr><th>课程</th><th>价格</th></tr><tr><td>入门班</td><td>299 元</td></tr></table>
            <noscript>请开启脚本</noscript>
          </main>
          <aside>相关推荐：进阶班</aside>
          <footer>版权所有 © 示例学院</footer>
        </body></html>
        """;

    [Fact]
    public void Html_keeps_the_main_text_with_its_headings_and_drops_navigation_scripts_styles_and_footers()
    {
        var document = HtmlText.Extract(Encoding.UTF8.GetBytes(Page));

        Assert.Equal("退款说明 - 示例学院", document.Title);
        Assert.Equal(
            "# 退款政策\n\n购买课程后七天内可以申请全额退款。\n\n## 申请流程\n\n打开“我的订单”\n点“申请退款”\n\n课程 | 价格\n入门班 | 299 元",
            document.Text);
        foreach (var noise in new[] { "首页", "tracking", "color", "相关推荐", "版权", "请开启脚本", "示例学院\n" })
        {
            Assert.DoesNotContain(noise, document.Text, StringComparison.Ordinal);
        }

        // The chunker takes the headings as the passages' sections.
        var chunks = TextChunker.Split(document.Text, 500, 80);
        Assert.Equal(["退款政策", "退款政策 / 申请流程"], chunks.Select(c => c.Heading));
    }

    [Fact]
    public void Html_in_GBK_is_read_by_its_declared_charset()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        var gbk = Encoding.GetEncoding("gbk").GetBytes("<html><body><p>学费分三期支付</p></body></html>");

        Assert.Equal("学费分三期支付", HtmlText.Extract(gbk, "gbk").Text);
    }

    [Fact]
    public void A_WeChat_article_fragment_keeps_its_text_and_headings_without_image_or_link_markup()
    {
        var document = HtmlText.Extract("""<section><h2>开课时间</h2><p>每周二晚上八点直播，<a href="https://example.com">操作指南</a>。</p><p><img src="x.png" alt="图"></p></section>""");

        Assert.Equal("## 开课时间\n\n每周二晚上八点直播，操作指南。", document.Text);
    }

    [Fact]
    public void Pdf_gives_each_pages_text_in_order_and_its_title()
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        builder.DocumentInformation.Title = "Refund policy";
        var first = builder.AddPage(595, 842);
        first.AddText("Refunds are possible within seven days.", 12, new PdfPoint(50, 780), font);
        first.AddText("Money returns in three to five working days.", 12, new PdfPoint(50, 760), font);
        builder.AddPage(595, 842).AddText("Page two: contact support by email.", 12, new PdfPoint(50, 780), font);

        var document = PdfText.Extract(builder.Build());

        Assert.Equal("Refund policy", document.Title);
        var refunds = document.Text.IndexOf("Refunds are possible within seven days.", StringComparison.Ordinal);
        var money = document.Text.IndexOf("Money returns in three to five working days.", StringComparison.Ordinal);
        var two = document.Text.IndexOf("Page two: contact support by email.", StringComparison.Ordinal);
        Assert.True(refunds >= 0 && money > refunds && two > money, document.Text);
        Assert.Contains("\n\nPage two", document.Text, StringComparison.Ordinal); // a page is a paragraph at least
    }

    [Fact]
    public void A_truncated_or_fake_PDF_fails_with_a_readable_reason()
    {
        var builder = new PdfDocumentBuilder();
        builder.AddPage(595, 842).AddText("Hello", 12, new PdfPoint(50, 780), builder.AddStandard14Font(Standard14Font.Helvetica));
        var whole = builder.Build();

        var truncated = Assert.Throws<UnindexableSourceException>(() => PdfText.Extract(whole[..(whole.Length / 3)]));
        var fake = Assert.Throws<UnindexableSourceException>(() => PdfText.Extract(Encoding.ASCII.GetBytes("%PDF-1.7\nnot really a pdf")));

        Assert.StartsWith("The PDF could not be read: ", truncated.Message, StringComparison.Ordinal);
        Assert.StartsWith("The PDF could not be read: ", fake.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Docx_keeps_heading_styles_as_sections_paragraphs_and_table_rows_as_lines()
    {
        var docx = Docx(
            "课程手册",
            Heading("Heading1", "退款政策"),
            new Paragraph(new Run(new Text("购买后七天内可以全额退款。"))),
            Heading("Heading2", "价格"),
            new Table(Row("课程", "价格"), Row("入门班", "299 元")),
            new Paragraph(new Run(new Text("学生"), new Text("九折。") { Space = SpaceProcessingModeValues.Preserve })));

        var document = DocxText.Extract(docx);

        Assert.Equal("课程手册", document.Title);
        Assert.Equal("# 退款政策\n\n购买后七天内可以全额退款。\n\n## 价格\n\n课程 | 价格\n入门班 | 299 元\n\n学生九折。", document.Text);
    }

    [Fact]
    public void A_corrupt_DOCX_fails_with_a_readable_reason()
    {
        var docx = Docx(null, new Paragraph(new Run(new Text("正文"))));

        var truncated = Assert.Throws<UnindexableSourceException>(() => DocxText.Extract(docx[..(docx.Length / 2)]));

        Assert.StartsWith("The DOCX could not be read: ", truncated.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_DOCX_that_expands_past_the_bound_fails_before_it_is_parsed()
    {
        var docx = Docx(null, new Paragraph(new Run(new Text(new string('大', 50_000)))));

        var bomb = Assert.Throws<UnindexableSourceException>(() => DocxText.Extract(docx, maxExpandedBytes: 100_000));

        Assert.StartsWith("The DOCX expands to ", bomb.Message, StringComparison.Ordinal);
        Assert.EndsWith("more than the 100,000 read.", bomb.Message, StringComparison.Ordinal);
        Assert.Equal(50_000, DocxText.Extract(docx).Text.Length); // under the default bound it is read
    }

    private static Paragraph Heading(string style, string text) =>
        new(new ParagraphProperties(new ParagraphStyleId { Val = style }), new Run(new Text(text)));

    private static TableRow Row(params string[] cells) =>
        new([.. cells.Select(c => new TableCell(new Paragraph(new Run(new Text(c)))))]);

    private static byte[] Docx(string? title, params OpenXmlElement[] body)
    {
        using var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            document.AddMainDocumentPart().Document = new Document(new Body(body));
            if (title is not null)
            {
                document.PackageProperties.Title = title;
            }
        }

        return stream.ToArray();
    }
}
