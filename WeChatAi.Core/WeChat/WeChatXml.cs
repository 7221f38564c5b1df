using System.Xml;

namespace WeChatAi.Core.WeChat;

/// <summary>Single-pass, DTD-free parsing of WeChat XML payloads.</summary>
public static class WeChatXml
{
    private const string RootName = "xml";

    private static readonly XmlReaderSettings Settings = new()
    {
        // Prohibit makes any DOCTYPE throw before an entity is declared or expanded (XXE, billion laughs).
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,

        // Defence in depth should DTDs ever be enabled; 0 would mean "unlimited", not "none".
        MaxCharactersFromEntities = 1024,

        // WeChat payloads are a few KB; anything near this is an attack or a bug.
        MaxCharactersInDocument = 1 << 20,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
    };

    /// <exception cref="WeChatProtocolException">The XML is malformed, has a DTD, or its root is not &lt;xml&gt;.</exception>
    public static WeChatXmlDocument Parse(byte[] utf8)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        using var stream = new MemoryStream(utf8, writable: false);
        return Parse(stream);
    }

    /// <summary>Reads synchronously; buffer an HTTP request body before calling this.</summary>
    /// <inheritdoc cref="Parse(byte[])"/>
    public static WeChatXmlDocument Parse(Stream utf8)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        using var reader = XmlReader.Create(utf8, Settings);
        return Parse(reader);
    }

    /// <summary>Parses XML already decoded to text, such as the output of <see cref="WeChatMessageCrypto.Decrypt"/>.</summary>
    /// <inheritdoc cref="Parse(byte[])"/>
    public static WeChatXmlDocument Parse(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        using var text = new StringReader(xml);
        using var reader = XmlReader.Create(text, Settings);
        return Parse(reader);
    }

    private static WeChatXmlDocument Parse(XmlReader reader)
    {
        var elements = new Dictionary<string, string>(StringComparer.Ordinal);
        bool inProlog = true;
        try
        {
            reader.MoveToContent();
            inProlog = false;
            if (reader.NodeType != XmlNodeType.Element || reader.Name != RootName)
            {
                throw new WeChatProtocolException($"The root element must be <{RootName}>, not <{reader.Name}>.");
            }

            // The innermost open element and its text so far; text can arrive as several
            // nodes (e.g. a CDATA section split around "]]>").
            string? leaf = null;
            string? text = null;
            while (reader.Read())
            {
                switch (reader.NodeType)
                {
                    case XmlNodeType.Element when reader.IsEmptyElement:
                        elements.TryAdd(reader.Name, string.Empty);
                        leaf = null;
                        break;
                    case XmlNodeType.Element:
                        leaf = reader.Name;
                        text = null;
                        break;
                    case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace when leaf is not null:
                        text = text is null ? reader.Value : text + reader.Value;
                        break;
                    case XmlNodeType.EndElement when leaf is not null:
                        elements.TryAdd(leaf, text ?? string.Empty);
                        leaf = null;
                        break;
                }
            }
        }
        catch (XmlException ex) when (inProlog && ex.Message.Contains("DTD", StringComparison.OrdinalIgnoreCase))
        {
            // XmlReader has no dedicated exception type for a prohibited DTD; only the prolog can hold one.
            throw new WeChatProtocolException("XML with a DTD is not accepted.", ex);
        }
        catch (XmlException ex)
        {
            throw new WeChatProtocolException($"Malformed XML: {ex.Message}", ex);
        }

        return new WeChatXmlDocument(elements);
    }
}
