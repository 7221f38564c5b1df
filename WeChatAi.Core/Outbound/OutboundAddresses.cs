using System.Net;

namespace WeChatAi.Core.Outbound;

/// <summary>
/// Which IP addresses a fetch of an outside URL may connect to: public unicast only. The refused ranges follow IANA's
/// IPv4 and IPv6 special-purpose address registries (RFC 6890 and its updates); IPv6 forms that carry an IPv4
/// address (mapped, NAT64, 6to4) are judged by that address.
/// </summary>
public static class OutboundAddresses
{
    private static readonly (IPNetwork Network, string Kind)[] RefusedV4 =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "unspecified (this network)"),
        (IPNetwork.Parse("10.0.0.0/8"), "private (RFC 1918)"),
        (IPNetwork.Parse("100.64.0.0/10"), "shared carrier-grade NAT (RFC 6598)"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("168.63.129.16/32"), "Azure's platform endpoint"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local (cloud metadata among them)"),
        (IPNetwork.Parse("172.16.0.0/12"), "private (RFC 1918)"),
        (IPNetwork.Parse("192.0.0.0/24"), "IETF protocol assignments"),
        (IPNetwork.Parse("192.0.2.0/24"), "documentation"),
        (IPNetwork.Parse("192.88.99.0/24"), "6to4 relay anycast (deprecated)"),
        (IPNetwork.Parse("192.168.0.0/16"), "private (RFC 1918)"),
        (IPNetwork.Parse("198.18.0.0/15"), "benchmarking"),
        (IPNetwork.Parse("198.51.100.0/24"), "documentation"),
        (IPNetwork.Parse("203.0.113.0/24"), "documentation"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved or broadcast"),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    private static readonly (IPNetwork Network, string Kind)[] RefusedV6 =
    [
        (IPNetwork.Parse("::1/128"), "loopback"),
        (IPNetwork.Parse("::/128"), "unspecified"),
        (IPNetwork.Parse("::/96"), "IPv4-compatible (deprecated)"),
        (IPNetwork.Parse("64:ff9b:1::/48"), "local-use NAT64"),
        (IPNetwork.Parse("100::/64"), "discard-only"),
        (IPNetwork.Parse("2001::/23"), "IETF protocol assignments (Teredo, benchmarking, ORCHID among them)"),
        (IPNetwork.Parse("2001:db8::/32"), "documentation"),
        (IPNetwork.Parse("3fff::/20"), "documentation"),
        (IPNetwork.Parse("5f00::/16"), "segment routing (SRv6)"),
        (IPNetwork.Parse("fc00::/7"), "unique-local"),
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("fec0::/10"), "site-local (deprecated)"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    /// <summary>What kind of internal or special address <paramref name="address"/> is, or <c>null</c> when it is public.</summary>
    public static string? InternalKind(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return Embedded(address.MapToIPv4(), "IPv4-mapped");
        }

        if (Nat64.Contains(address))
        {
            return Embedded(LastFourBytes(address), "NAT64");
        }

        if (SixToFour.Contains(address))
        {
            return Embedded(new IPAddress(address.GetAddressBytes().AsSpan(2, 4)), "6to4");
        }

        var table = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? RefusedV4 : RefusedV6;
        foreach (var (network, kind) in table)
        {
            if (network.Contains(address))
            {
                return kind;
            }
        }

        return null;
    }

    private static string? Embedded(IPAddress v4, string form) =>
        InternalKind(v4) is { } kind ? $"{form} form of {v4}, {kind}" : null;

    private static IPAddress LastFourBytes(IPAddress v6) => new(v6.GetAddressBytes().AsSpan(12, 4));
}
