using System.Net;
using System.Net.Sockets;

namespace WeChatAi.Core.Outbound;

/// <summary>Resolves a host name to its addresses (the system's DNS unless a test gives another).</summary>
public delegate Task<IPAddress[]> OutboundResolver(string host, CancellationToken cancellationToken);

/// <summary>
/// The one way to fetch a URL that came from outside: every such fetch goes through <see cref="CreateHandler"/>.
/// The URL is checked before the request (scheme, no user info, host on the caller's list, an address literal's
/// kind), and the host is resolved and every address checked again at connect time, where the connection is made to
/// a checked address: a DNS answer that changes between the check and the connection (rebinding) cannot slip
/// through. Redirects are refused, not followed; no proxy is used (the proxy's address would be the one checked).
/// </summary>
public sealed class OutboundUrlGuard(OutboundPolicy policy, OutboundResolver? resolver = null)
{
    private readonly OutboundResolver _resolve = resolver ?? ((host, cancellationToken) => Dns.GetHostAddressesAsync(host, cancellationToken));

    /// <summary>Throws <see cref="OutboundRefusedException"/> when <paramref name="url"/> may not be fetched.</summary>
    public void CheckUrl(Uri url)
    {
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new OutboundRefusedException($"Only http and https URLs are fetched, not '{(url.IsAbsoluteUri ? url.Scheme : "a relative URL")}'.");
        }

        if (url.UserInfo.Length > 0)
        {
            throw new OutboundRefusedException($"A URL with user information is not fetched (host {url.IdnHost}).");
        }

        if (policy.AllowedHosts is { } hosts && !OutboundHosts.Allows(hosts, url))
        {
            throw new OutboundRefusedException($"The host {url.IdnHost} is not on the allowed list.");
        }

        if (url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
        {
            CheckAddress(url.IdnHost, IPAddress.Parse(url.IdnHost.Trim('[', ']')));
        }
    }

    /// <summary>The addresses of <paramref name="host"/>, each checked; refused when any of them is internal.</summary>
    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        try
        {
            addresses = await _resolve(host, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            throw new OutboundRefusedException($"The host {host} does not resolve: {ex.SocketErrorCode}.");
        }

        if (addresses.Length == 0)
        {
            throw new OutboundRefusedException($"The host {host} resolves to no address.");
        }

        foreach (var address in addresses)
        {
            CheckAddress(host, address);
        }

        return addresses;
    }

    /// <summary>
    /// The primary handler of a client that fetches outside URLs: <see cref="OutboundGuardHandler"/> around a
    /// <see cref="SocketsHttpHandler"/> that connects only to checked addresses and follows no redirect.
    /// </summary>
    public HttpMessageHandler CreateHandler() => new OutboundGuardHandler(this)
    {
        InnerHandler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            ConnectCallback = ConnectAsync,
        },
    };

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = await ResolveAsync(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void CheckAddress(string host, IPAddress address)
    {
        if (!policy.AllowPrivateAddresses && OutboundAddresses.InternalKind(address) is { } kind)
        {
            throw new OutboundRefusedException($"The host {host} is (or resolves to) {address}, {kind}: internal addresses are not fetched.");
        }
    }
}
