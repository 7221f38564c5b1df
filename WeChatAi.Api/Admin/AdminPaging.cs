using System.Globalization;

namespace WeChatAi.Api.Admin;

/// <summary>
/// The admin lists' paging: <c>?count=</c> (1..<see cref="MaxCount"/>, default <see cref="DefaultCount"/>) and
/// <c>?before=</c> (keyset, newest first); a bad value is a 400 naming the parameter.
/// </summary>
public static class AdminPaging
{
    public const int DefaultCount = 50;

    public const int MaxCount = 200;

    /// <summary>The page size, or null with <paramref name="problem"/> set.</summary>
    public static int? Count(string? text, out IResult? problem)
    {
        problem = null;
        if (TryParse(text, DefaultCount, 1, MaxCount, out var count))
        {
            return (int)count;
        }

        problem = AdminRequests.BadRequest($"count must be a whole number between 1 and {MaxCount}.");
        return null;
    }

    /// <summary>A keyset id (<c>before</c>): <see cref="long.MaxValue"/> when absent, or null with <paramref name="problem"/> set.</summary>
    public static long? BeforeId(string? text, string what, out IResult? problem)
    {
        problem = null;
        if (TryParse(text, long.MaxValue, 1, long.MaxValue, out var before))
        {
            return before;
        }

        problem = AdminRequests.BadRequest($"before must be the id of {what} (a positive whole number).");
        return null;
    }

    private static bool TryParse(string? text, long fallback, long min, long max, out long value)
    {
        value = fallback;
        return text is null || (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max);
    }
}
