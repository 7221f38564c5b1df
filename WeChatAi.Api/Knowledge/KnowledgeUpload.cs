using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using WeChatAi.Api.Admin;
using WeChatAi.Core.Data.Knowledge;

namespace WeChatAi.Api.Knowledge;

/// <summary>What a multipart upload's form holds (documented in the contract; read by <see cref="KnowledgeUpload"/>).</summary>
internal sealed record KnowledgeUploadForm(IFormFile File, string? Title);

/// <summary>
/// A file uploaded as <c>multipart/form-data</c> (<c>file</c>, optional <c>title</c>), read up to
/// <c>Knowledge:MaxUploadBytes</c> (413 naming it past that, while it is read) and typed by its extension and its first
/// bytes together: <c>.txt</c> and <c>.md</c> become text sources as if typed, <c>.html</c>/<c>.htm</c>, <c>.pdf</c> and
/// <c>.docx</c> are kept as sent for the worker to extract. A mismatch or another type is a 415 naming the accepted ones.
/// </summary>
internal static class KnowledgeUpload
{
    public const string Accepted = ".txt, .md, .html, .htm, .pdf, .docx";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static async Task<(KnowledgeSourceInput? Input, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        // The route's limit is the JSON body's; an upload raises it for itself before anything is read.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(ct);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TypedResults.Problem(
                string.Create(CultureInfo.InvariantCulture, $"The upload is larger than Knowledge:MaxUploadBytes ({maxBytes:N0} bytes)."),
                statusCode: StatusCodes.Status413PayloadTooLarge));
        }
        catch (InvalidDataException ex)
        {
            return (null, AdminRequests.BadRequest($"The body is not a readable multipart form: {ex.Message}"));
        }

        if (form.Files.GetFile("file") is not { Length: > 0 } file)
        {
            return (null, AdminRequests.BadRequest("The form must have a non-empty file field (and may have a title)."));
        }

        var given = form["title"].ToString();
        if (given.Length > 0 && KnowledgeSourceInput.TitleProblem("title", given) is { } titleProblem)
        {
            return (null, titleProblem);
        }

        var bytes = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
        {
            await stream.ReadExactlyAsync(bytes, ct);
        }

        var name = Path.GetFileName(file.FileName);
        var extension = Path.GetExtension(name).ToLowerInvariant();
        if (Kind(extension, bytes) is not { } kind)
        {
            return (null, Unsupported(extension, bytes));
        }

        var title = given.Length > 0 ? given.Trim() : DefaultTitle(name);
        var fileName = name.Length > KnowledgeSource.MaxFileName ? name[^KnowledgeSource.MaxFileName..] : name;
        if (kind is KnowledgeSourceKind.Text or KnowledgeSourceKind.Markdown)
        {
            var text = StrictUtf8.GetString(bytes).TrimStart('\uFEFF');
            return string.IsNullOrWhiteSpace(text)
                ? (null, AdminRequests.BadRequest("The file has no text."))
                : (KnowledgeSourceInput.Typed(title, text) with { FileName = fileName }, null);
        }

        return (new KnowledgeSourceInput(kind, title, "", File: bytes, FileName: fileName, TitleFromDocument: given.Length == 0), null);
    }

    /// <summary>The kind the extension names, when the bytes are that kind too; null otherwise.</summary>
    private static KnowledgeSourceKind? Kind(string extension, byte[] bytes) => extension switch
    {
        ".pdf" when bytes.AsSpan().StartsWith("%PDF-"u8) => KnowledgeSourceKind.Pdf,
        ".docx" when bytes.AsSpan().StartsWith("PK\x03\x04"u8) => KnowledgeSourceKind.Docx,
        ".html" or ".htm" when IsText(bytes) && LooksLikeMarkup(bytes) => KnowledgeSourceKind.Html,
        ".md" when IsUtf8Text(bytes) => KnowledgeSourceKind.Markdown,
        ".txt" when IsUtf8Text(bytes) => KnowledgeSourceKind.Text,
        _ => null,
    };

    private static ProblemHttpResult Unsupported(string extension, byte[] bytes)
    {
        var what = extension switch
        {
            ".pdf" => "a PDF starts with %PDF-",
            ".docx" => "a DOCX is a zip file",
            ".html" or ".htm" => "an HTML file is text starting with a tag",
            ".md" or ".txt" => "a text file must be UTF-8 without NUL bytes",
            _ => null,
        };
        var detail = what is null
            ? $"Files of type '{(extension.Length == 0 ? "(no extension)" : extension)}' are not accepted{Sniffed(bytes)}. Accepted: {Accepted}."
            : $"The file's content does not match its extension {extension} ({what}). Accepted: {Accepted}.";
        return TypedResults.Problem(detail, statusCode: StatusCodes.Status415UnsupportedMediaType);
    }

    private static string Sniffed(byte[] bytes) =>
        bytes.AsSpan().StartsWith("%PDF-"u8) ? " (it looks like a PDF: name it .pdf)"
        : bytes.AsSpan().StartsWith("PK\x03\x04"u8) ? " (a zip: only .docx documents are read)"
        : "";

    private static bool IsText(byte[] bytes) => !bytes.AsSpan(0, Math.Min(bytes.Length, 8192)).Contains((byte)0);

    private static bool IsUtf8Text(byte[] bytes) => IsText(bytes) && Utf8IsValid(bytes);

    private static bool Utf8IsValid(byte[] bytes) => System.Text.Unicode.Utf8.IsValid(bytes);

    private static bool LooksLikeMarkup(byte[] bytes)
    {
        var start = Encoding.Latin1.GetString(bytes.AsSpan(0, Math.Min(bytes.Length, 1024))).TrimStart('\uFEFF', '\u00EF', '\u00BB', '\u00BF', ' ', '\t', '\r', '\n');
        return start.StartsWith('<');
    }

    /// <summary>The file's name without its extension, until the worker finds the document's own title.</summary>
    private static string DefaultTitle(string name)
    {
        var stem = Path.GetFileNameWithoutExtension(name).Trim();
        stem = new string([.. stem.Select(c => char.IsControl(c) ? ' ' : c)]);
        return stem.Length == 0 ? "未命名文档" : stem.Length > KnowledgeSource.MaxTitle ? stem[..KnowledgeSource.MaxTitle] : stem;
    }
}
