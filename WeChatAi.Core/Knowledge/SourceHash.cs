using System.Security.Cryptography;
using System.Text;
using WeChatAi.Core.Data.Knowledge;

namespace WeChatAi.Core.Knowledge;

/// <summary>A source's <see cref="KnowledgeSource.ContentHash"/>: what the operator (or the article sync) gave, so the same again changes nothing.</summary>
public static class SourceHash
{
    public static string Of(KnowledgeSourceKind kind, string title, string content, string? url = null, byte[]? file = null)
    {
        var text = $"{kind}\n{title}\n{content}";
        if (url is not null)
        {
            text += $"\nurl:{url}";
        }

        if (file is not null)
        {
            text += $"\nfile:{Convert.ToHexStringLower(SHA256.HashData(file))}";
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
