namespace WeChatAi.Worker.Memory;

/// <summary>Tokens approximated by characters: a CJK character is about one token, other text about four characters.</summary>
internal static class TokenEstimate
{
    public static int Of(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var wide = 0;
        var narrow = 0;
        foreach (var c in text)
        {
            if (c >= 0x2E80)
            {
                wide++;
            }
            else
            {
                narrow++;
            }
        }

        return wide + ((narrow + 3) / 4);
    }
}
