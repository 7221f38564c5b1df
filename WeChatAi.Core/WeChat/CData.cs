using System.Text;

namespace WeChatAi.Core.WeChat;

internal static class CData
{
    /// <summary>Appends <paramref name="value"/> as CDATA, splitting any <c>]]&gt;</c> so it cannot end the section early.</summary>
    public static StringBuilder AppendCData(this StringBuilder builder, string value)
    {
        builder.Append("<![CDATA[");
        ReadOnlySpan<char> rest = value;
        int end;
        while ((end = rest.IndexOf("]]>", StringComparison.Ordinal)) >= 0)
        {
            builder.Append(rest[..(end + 2)]).Append("]]><![CDATA[");
            rest = rest[(end + 2)..];
        }

        return builder.Append(rest).Append("]]>");
    }
}
