using System.Globalization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Request bodies bounded while they are read, chunked or not: Kestrel's server-wide <c>MaxRequestBodySize</c>, which
/// an endpoint that needs more raises for itself with <c>RequestSizeLimitAttribute</c> metadata (routing applies it
/// before the body is read); and a 413 that names the limit instead of a 500 or an empty answer.
/// </summary>
public static class RequestBodyLimits
{
    /// <summary>Every request body of this service is cut off (413) past <paramref name="maxBytes"/> unless its endpoint says otherwise.</summary>
    public static TBuilder AddRequestBodyLimit<TBuilder>(this TBuilder builder, long maxBytes) where TBuilder : IHostApplicationBuilder
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = maxBytes);
        return builder;
    }

    /// <summary>
    /// Answers a body over its limit with a 413 problem naming the limit: Kestrel throws while the endpoint reads (the
    /// rest is never read into memory), and minimal APIs' JSON binding sets a bare 413. Add it before <c>UseAntiforgery</c>.
    /// </summary>
    public static IApplicationBuilder UseRequestBodyLimitProblems(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            try
            {
                // Antiforgery reads a form before its endpoint and turns any read failure into a 400: read it here
                // first (it is kept for them), so a form over the limit is a 413 like any other body.
                if (context.Request.HasFormContentType && context.GetEndpoint()?.Metadata.GetMetadata<IAntiforgeryMetadata>() is { RequiresValidation: true })
                {
                    await context.Request.ReadFormAsync(context.RequestAborted);
                }

                await next(context);
            }
            catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
            {
                context.Response.Clear();
                await TooLarge(context).ExecuteAsync(context);
                return;
            }

            if (context.Response.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
            {
                await TooLarge(context).ExecuteAsync(context);
            }
        });

    private static IResult TooLarge(HttpContext context)
    {
        var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        var most = limit is { } bytes ? string.Create(CultureInfo.InvariantCulture, $"{bytes:N0} bytes") : "its limit";
        return Results.Problem(
            $"The request body is larger than {most}, the most {context.Request.Method} {context.Request.Path} accepts.",
            statusCode: StatusCodes.Status413PayloadTooLarge);
    }
}
