using WeChatAi.Worker.Safety;

namespace WeChatAi.UnitTests.Safety;

public sealed class WordMatcherTests
{
    private static readonly WordMatcher Matcher = WordMatcher.Build(["违禁词", "Forbidden", "b a d"]);

    [Theory]
    [InlineData("这里有违 禁\u200B词吗", "违禁词", "违 禁\u200B词")]
    [InlineData("這裡有違禁詞嗎", "违禁词", "違禁詞")]
    [InlineData("say ＦｏＲｂｉｄＤｅＮ now", "Forbidden", "ＦｏＲｂｉｄＤｅＮ")]
    [InlineData("f\u200Do\u200Dr\u200Db\u200Di\u200Dd\u200Dd\u200De\u200Dn!", "Forbidden", "f\u200Do\u200Dr\u200Db\u200Di\u200Dd\u200Dd\u200De\u200Dn")]
    [InlineData("F-O-R-B-I-D-D-E-N", "Forbidden", "F-O-R-B-I-D-D-E-N")]
    [InlineData("forbid den", "Forbidden", "forbid den")]
    [InlineData("it is 𝐛𝐚𝐝.", "b a d", "𝐛𝐚𝐝")]
    public void Finds_evasive_spellings_and_where_they_are(string text, string term, string found)
    {
        var match = Assert.NotNull(Matcher.FindFirst(text));
        Assert.Equal(term, match.Term);
        Assert.Equal(found, text.Substring(match.Start, match.Length));
    }

    [Theory]
    [InlineData("")]
    [InlineData("违禁")]
    [InlineData("禁词违")]
    [InlineData("forbidde")]
    [InlineData("ba")]
    public void Finds_nothing_where_no_term_occurs(string text) => Assert.Null(Matcher.FindFirst(text));

    [Fact]
    public void Follows_failure_links_into_overlapping_terms()
    {
        var matcher = WordMatcher.Build(["abce", "bcd", "he", "she", "hers"]);

        // "abc" leads towards "abce"; at "d" the automaton must fall back to "bc" and find "bcd".
        var bcd = Assert.NotNull(matcher.FindFirst("xabcdx"));
        Assert.Equal(("bcd", 2, 3), (bcd.Term, bcd.Start, bcd.Length));

        // "she" and "he" end at the same character: the longer one is reported.
        var she = Assert.NotNull(matcher.FindFirst("ushers"));
        Assert.Equal(("she", 1, 3), (she.Term, she.Start, she.Length));

        // A term inside a longer one that is not complete: found through the output link.
        var he = Assert.NotNull(matcher.FindFirst("ahex"));
        Assert.Equal(("he", 1, 2), (he.Term, he.Start, he.Length));
    }

    [Fact]
    public void Terms_that_fold_to_nothing_or_alike_count_once()
    {
        var matcher = WordMatcher.Build(["", "  ", "!!!", "Bad", "bad", "B A D"]);
        Assert.Equal(1, matcher.Count);
        Assert.Equal("Bad", matcher.FindFirst("so bad")?.Term);
        Assert.Null(WordMatcher.Empty.FindFirst("anything"));
    }

    [Fact]
    public void A_long_text_with_many_near_misses_is_matched_in_one_pass()
    {
        var matcher = WordMatcher.Build([new string('a', 50) + "b"]);
        var text = new string('a', 100_000);
        Assert.Null(matcher.FindFirst(text));
        var match = Assert.NotNull(matcher.FindFirst(text + "b"));
        Assert.Equal((100_000 - 50, 51), (match.Start, match.Length));
    }
}
