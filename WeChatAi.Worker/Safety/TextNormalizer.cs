using System.Globalization;
using System.Text;

namespace WeChatAi.Worker.Safety;

/// <summary>
/// Folds text into the form word lists are matched in, one character at a time so that each folded character knows
/// where it came from: only letters and digits are kept (spaces, punctuation, symbols, zero-width and other format
/// characters and combining marks are dropped), full-width, mathematical and enclosed letters and digits become
/// ASCII, Latin-1 accented letters lose their accent, letters are lower-cased and traditional Chinese characters
/// become simplified. The services run in invariant globalization mode, which has no Unicode normalization data:
/// these tables are what NFKD would do for the look-alikes used to evade filters.
/// </summary>
internal static class TextNormalizer
{
    private const string TableResource = "WeChatAi.Worker.Safety.traditional-simplified.txt";

    // U+00C0–U+00FF without their accents; '\0' where a character has no base letter (Æ, ×, ß…) and stays as it is.
    private const string Latin1Bases = "AAAAAA\0CEEEEIIII\0NOOOOO\0\0UUUUY\0\0aaaaaa\0ceeeeiiii\0nooooo\0\0uuuuy\0y";

    private static readonly char[] Simplified = LoadSimplified();

    /// <summary>
    /// Writes the folded form of <paramref name="text"/> into <paramref name="folded"/> and, for each folded character,
    /// the index in <paramref name="text"/> of the character it came from into <paramref name="origins"/>. Both must
    /// be as long as the text: folding never lengthens it. Returns the folded length.
    /// </summary>
    public static int Fold(ReadOnlySpan<char> text, Span<char> folded, Span<int> origins)
    {
        var length = 0;
        for (var i = 0; i < text.Length;)
        {
            var c = text[i];
            if (c < 0x80)
            {
                // ASCII, most of any text that is not Chinese: letters and digits only, lower-cased.
                if (char.IsAsciiLetterOrDigit(c))
                {
                    origins[length] = i;
                    folded[length++] = char.ToLowerInvariant(c);
                }

                i++;
                continue;
            }

            Rune.DecodeFromUtf16(text[i..], out var rune, out var consumed);
            var value = Fold(rune);
            if (value.Value != 0)
            {
                var written = value.EncodeToUtf16(folded[length..]);
                origins[length] = i;
                if (written == 2)
                {
                    origins[length + 1] = i;
                }

                length += written;
            }

            i += consumed;
        }

        return length;
    }

    /// <summary>The folded form of <paramref name="text"/> as a string (word list terms, tests).</summary>
    public static string Fold(string text)
    {
        var folded = new char[text.Length];
        var length = Fold(text, folded, new int[text.Length]);
        return new string(folded, 0, length);
    }

    /// <summary>The folded character, or U+0000 when it is dropped.</summary>
    private static Rune Fold(Rune rune)
    {
        var value = rune.Value;
        if (value is >= 0x4E00 and <= 0x9FFF)
        {
            // CJK Unified Ideographs, nearly all of a Chinese text: only the traditional→simplified step applies.
            return new Rune(Simplified[value]);
        }

        var mapped = Compatible(value);
        if (mapped != value)
        {
            return Fold(new Rune(mapped));
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber
                or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Simplify(Rune.ToLowerInvariant(rune)),
            _ => default,
        };
    }

    private static Rune Simplify(Rune rune) => rune.IsBmp ? new Rune(Simplified[rune.Value]) : rune;

    /// <summary>The ASCII (or base) character a look-alike stands for; the value itself when it stands for none.</summary>
    private static int Compatible(int value) => value switch
    {
        0x3000 => ' ', // ideographic space
        >= 0xFF01 and <= 0xFF5E => value - 0xFEE0, // full-width ASCII
        >= 0x00C0 and <= 0x00FF when Latin1Bases[value - 0xC0] != '\0' => Latin1Bases[value - 0xC0],
        >= 0x24B6 and <= 0x24CF => 'a' + (value - 0x24B6), // Ⓐ–Ⓩ
        >= 0x24D0 and <= 0x24E9 => 'a' + (value - 0x24D0), // ⓐ–ⓩ
        >= 0x249C and <= 0x24B5 => 'a' + (value - 0x249C), // ⒜–⒵
        >= 0x2460 and <= 0x2468 => '1' + (value - 0x2460), // ①–⑨
        >= 0x2474 and <= 0x247C => '1' + (value - 0x2474), // ⑴–⑼
        >= 0x2488 and <= 0x2490 => '1' + (value - 0x2488), // ⒈–⒐
        >= 0x1D400 and <= 0x1D6A3 => 'a' + ((value - 0x1D400) % 52 % 26), // 𝐀…𝚣: 13 alphabets of A–Z a–z
        >= 0x1D7CE and <= 0x1D7FF => '0' + ((value - 0x1D7CE) % 10), // 𝟎…𝟿: 5 sets of digits
        _ => value,
    };

    private static char[] LoadSimplified()
    {
        var table = new char[char.MaxValue + 1];
        for (var c = 0; c <= char.MaxValue; c++)
        {
            table[c] = (char)c;
        }

        using var stream = typeof(TextNormalizer).Assembly.GetManifestResourceStream(TableResource)
            ?? throw new InvalidOperationException($"The embedded resource {TableResource} is missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 2 && line[0] != '#')
            {
                table[line[0]] = line[1];
            }
        }

        return table;
    }
}
