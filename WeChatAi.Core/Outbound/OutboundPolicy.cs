namespace WeChatAi.Core.Outbound;

/// <summary>
/// Where a caller may fetch URLs that came from outside (a user's message, an operator's list of pages).
/// </summary>
/// <param name="AllowedHosts">Host entries (<see cref="OutboundHosts"/>); <c>null</c>: any host that resolves to public addresses.</param>
/// <param name="AllowPrivateAddresses">
/// Development only: loopback, private and other internal addresses are allowed too (the simulator and the tests
/// serve images on 127.0.0.1). The host list still applies.
/// </param>
public sealed record OutboundPolicy(IReadOnlyList<string>? AllowedHosts, bool AllowPrivateAddresses = false)
{
    /// <summary>Any host whose every address is public: for URLs an operator types (knowledge-base pages).</summary>
    public static OutboundPolicy AnyPublicHost { get; } = new(AllowedHosts: null);
}
