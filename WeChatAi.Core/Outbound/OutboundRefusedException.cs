namespace WeChatAi.Core.Outbound;

/// <summary>
/// A fetch the outbound guard would not make: the URL, its host, an address it resolves to, or a redirect. Not an
/// <see cref="HttpRequestException"/>, so HTTP resilience handlers do not retry it: the same URL is refused again.
/// </summary>
public sealed class OutboundRefusedException(string message) : Exception(message);
