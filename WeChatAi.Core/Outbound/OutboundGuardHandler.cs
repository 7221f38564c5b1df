using System.Net;

namespace WeChatAi.Core.Outbound;

/// <summary>
/// Checks each request's URL (after any handler that rewrote it, service discovery included) and turns what the
/// guard refused into an <see cref="OutboundRefusedException"/>: a refused connection (which the sockets handler
/// wraps) and a redirect, which is an answer the caller did not ask for.
/// </summary>
internal sealed class OutboundGuardHandler(OutboundUrlGuard guard) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var url = request.RequestUri ?? throw new OutboundRefusedException("A request without a URL is not sent.");
        guard.CheckUrl(url);
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (ex.InnerException is OutboundRefusedException refused)
        {
            throw new OutboundRefusedException(refused.Message);
        }

        if ((int)response.StatusCode is >= 300 and < 400 && response.StatusCode != HttpStatusCode.NotModified)
        {
            var status = (int)response.StatusCode;
            response.Dispose();
            throw new OutboundRefusedException($"The host {url.IdnHost} answered {status} (a redirect): redirects are not followed.");
        }

        return response;
    }
}
