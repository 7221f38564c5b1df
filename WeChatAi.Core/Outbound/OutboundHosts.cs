using System.Net;

namespace WeChatAi.Core.Outbound;

/// <summary>
/// Host allow-list entries: a DNS name covers itself and its subdomains on whole labels (<c>qpic.cn</c> allows
/// <c>mmbiz.qpic.cn</c>, not <c>evilqpic.cn</c> nor <c>qpic.cn.evil.com</c>); an IP address covers only itself.
/// </summary>
public static class OutboundHosts
{
    /// <summary>Splits a setting's value (entries separated by commas, semicolons or spaces), lower-cased.</summary>
    public static IReadOnlyList<string> Parse(string? value) =>
        (value ?? string.Empty).Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(entry => entry.ToLowerInvariant())
            .ToArray();

    /// <summary>Why <paramref name="entry"/> cannot be an entry, or <c>null</c> when it can.</summary>
    public static string? Problem(string entry)
    {
        if (entry.StartsWith("*.", StringComparison.Ordinal))
        {
            return $"'{entry}' has a wildcard: write '{entry[2..]}', which covers its subdomains";
        }

        if (entry.Contains("://", StringComparison.Ordinal) || entry.Contains('/', StringComparison.Ordinal) || entry.Contains('@', StringComparison.Ordinal))
        {
            return $"'{entry}' is not a host name (no scheme, path or user)";
        }

        var bare = entry.Trim('[', ']');
        if (IPAddress.TryParse(bare, out _) && Uri.CheckHostName(bare) is UriHostNameType.IPv4 or UriHostNameType.IPv6)
        {
            return null;
        }

        if (Uri.CheckHostName(entry) != UriHostNameType.Dns)
        {
            return $"'{entry}' is not a host name or IP address";
        }

        // One label would cover a whole top-level domain ('cn' allows every host under .cn).
        return entry.Contains('.', StringComparison.Ordinal) || entry == "localhost"
            ? null
            : $"'{entry}' is a single label, which would allow every host under it: name the host (mmbiz.qpic.cn) or its domain (qpic.cn)";
    }

    /// <summary>Whether <paramref name="url"/>'s host is covered by one of <paramref name="entries"/>.</summary>
    public static bool Allows(IReadOnlyList<string> entries, Uri url)
    {
        if (url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
        {
            var address = IPAddress.Parse(url.IdnHost.Trim('[', ']'));
            return entries.Any(entry => IPAddress.TryParse(entry.Trim('[', ']'), out var allowed) && allowed.Equals(address));
        }

        var host = url.IdnHost.TrimEnd('.').ToLowerInvariant();
        return entries.Any(entry => host == entry || host.EndsWith("." + entry, StringComparison.Ordinal));
    }
}
