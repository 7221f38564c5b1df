namespace WeChatAi.Core.WeChat;

/// <summary>
/// A WeChat <c>&lt;xml&gt;</c> payload as element name → text. Nested elements (e.g. ScanCodeInfo/ScanType)
/// appear under their own names; when a name repeats, the first occurrence wins.
/// </summary>
public sealed class WeChatXmlDocument
{
    private readonly Dictionary<string, string> _elements;

    internal WeChatXmlDocument(Dictionary<string, string> elements) => _elements = elements;

    /// <returns>The element's text, or null when the element is absent.</returns>
    public string? Get(string name) => _elements.GetValueOrDefault(name);

    /// <exception cref="WeChatProtocolException">The element is absent.</exception>
    public string GetRequired(string name) =>
        _elements.TryGetValue(name, out string? value)
            ? value
            : throw new WeChatProtocolException($"Required element <{name}> is missing.");

    /// <summary>The ciphertext of a safe-mode envelope <c>&lt;xml&gt;&lt;ToUserName/&gt;&lt;Encrypt/&gt;&lt;/xml&gt;</c>.</summary>
    /// <exception cref="WeChatProtocolException">The payload has no Encrypt element.</exception>
    public string GetEncrypt() => GetRequired("Encrypt");
}
