namespace WeChatAi.Core.WeChatPay;

/// <summary>
/// The <c>Authorization</c> header of a merchant request:
/// <c>WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"</c>.
/// </summary>
public sealed record WeChatPayAuthorization(string MchId, string NonceStr, string Signature, string Timestamp, string SerialNo)
{
    public const string Scheme = "WECHATPAY2-SHA256-RSA2048";

    public override string ToString() =>
        $"{Scheme} mchid=\"{MchId}\",nonce_str=\"{NonceStr}\",signature=\"{Signature}\",timestamp=\"{Timestamp}\",serial_no=\"{SerialNo}\"";

    /// <summary>WeChat Pay's side (the simulator and tests play it): the merchant signed <c>METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY\n</c>.</summary>
    public bool IsValid(System.Security.Cryptography.RSA merchantPublicKey, string method, string pathAndQuery, ReadOnlySpan<byte> body)
    {
        var head = System.Text.Encoding.UTF8.GetBytes(WeChatPayRsa.Lines(method, pathAndQuery, Timestamp, NonceStr));
        var message = new byte[head.Length + body.Length + 1];
        head.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(head.Length));
        message[^1] = (byte)'\n';
        return WeChatPayRsa.Verify(merchantPublicKey, message, Signature);
    }

    /// <summary>Reads the header as WeChat Pay does (the parameters in any order); null when it is not one.</summary>
    public static WeChatPayAuthorization? Parse(string? header)
    {
        if (header is null || !header.StartsWith(Scheme + " ", StringComparison.Ordinal))
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in header[(Scheme.Length + 1)..].Split(',', StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || part.Length < equals + 3 || part[equals + 1] != '"' || part[^1] != '"')
            {
                return null;
            }

            values[part[..equals]] = part[(equals + 2)..^1];
        }

        return values.TryGetValue("mchid", out var mchId) && values.TryGetValue("nonce_str", out var nonce)
            && values.TryGetValue("signature", out var signature) && values.TryGetValue("timestamp", out var timestamp)
            && values.TryGetValue("serial_no", out var serial)
            ? new WeChatPayAuthorization(mchId, nonce, signature, timestamp, serial)
            : null;
    }
}
