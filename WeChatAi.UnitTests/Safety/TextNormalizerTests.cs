using WeChatAi.Worker.Safety;

namespace WeChatAi.UnitTests.Safety;

public sealed class TextNormalizerTests
{
    [Theory]
    [InlineData("Forbidden", "forbidden")] // case
    [InlineData("f o r\tb\ni d d e n", "forbidden")] // whitespace
    [InlineData("f.o-r_b!i?d,d'e\"n", "forbidden")] // ASCII punctuation
    [InlineData("ｆｏｒＢＩＤＤＥＮ", "forbidden")] // full-width letters
    [InlineData("f\u200Bo\u200Cr\u200Db\u2060i\uFEFFd\u00ADden", "forbidden")] // zero-width characters, soft hyphen
    [InlineData("f\u0336o\u0336rbidden", "forbidden")] // combining strike-through
    [InlineData("ⓕⓞⓡⒷⒾⒹⒹⒺⓃ", "forbidden")] // enclosed letters
    [InlineData("𝐟𝐨𝐫𝐛𝐢𝐝𝐝𝐞𝐧", "forbidden")] // mathematical bold
    [InlineData("𝙁𝙊𝙍𝘽𝙄𝘿𝘿𝙀𝙉", "forbidden")] // mathematical sans-serif bold italic capitals
    [InlineData("fôrbìddén", "forbidden")] // Latin-1 accents
    [InlineData("①２3", "123")] // enclosed and full-width digits
    public void Folds_latin_evasions(string text, string folded) => Assert.Equal(folded, TextNormalizer.Fold(text));

    [Theory]
    [InlineData("违　禁，词！", "违禁词")] // ideographic space and full-width punctuation
    [InlineData("違禁詞", "违禁词")] // traditional
    [InlineData("《违》「禁」【词】", "违禁词")] // CJK brackets
    [InlineData("违😀禁★词", "违禁词")] // emoji and symbols between the characters
    [InlineData("違\u200D禁\uFE0F詞", "违禁词")] // zero-width joiner, variation selector
    public void Folds_chinese_evasions(string text, string folded) => Assert.Equal(folded, TextNormalizer.Fold(text));

    [Fact]
    public void Keeps_letters_outside_the_tables_and_characters_beyond_the_bmp()
    {
        Assert.Equal("привет", TextNormalizer.Fold("ПРИВЕТ"));
        Assert.Equal("𠀀𠀁", TextNormalizer.Fold("𠀀 𠀁")); // CJK Extension B: surrogate pairs kept whole
        Assert.Equal("æß", TextNormalizer.Fold("Æß"));
    }

    [Fact]
    public void Maps_each_folded_character_to_where_it_came_from()
    {
        var text = "A 𝐛\u200Dç";
        var folded = new char[text.Length];
        var origins = new int[text.Length];
        var length = TextNormalizer.Fold(text, folded, origins);
        Assert.Equal("abc", new string(folded, 0, length));
        Assert.Equal([0, 2, 5], origins[..length]);
    }

    [Fact]
    public void A_lone_surrogate_or_an_empty_text_folds_to_nothing()
    {
        Assert.Equal("ab", TextNormalizer.Fold("a\uD800b"));
        Assert.Equal("", TextNormalizer.Fold(""));
        Assert.Equal("", TextNormalizer.Fold(" \u200B。 "));
    }
}
