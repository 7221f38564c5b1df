using System.Text;

namespace WeChatAi.Api.Webhook;

/// <summary>
/// A UTF-8 text response with a constant content type: <c>TypedResults.Text</c> parses its content-type string on
/// every response (docs/benchmarks-webhook.md).
/// </summary>
internal sealed class TextReply(string text, string contentType, int statusCode = StatusCodes.Status200OK) : IResult
{
    public const string Xml = "text/xml; charset=utf-8";
    public const string Plain = "text/plain; charset=utf-8";

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = statusCode;
        response.ContentType = contentType;
        response.ContentLength = Encoding.UTF8.GetByteCount(text);
        return response.WriteAsync(text, httpContext.RequestAborted);
    }
}
