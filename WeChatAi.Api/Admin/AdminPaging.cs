using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace WeChatAi.Api.Admin;

/// <summary>
/// The admin lists' paging: <c>?count=</c> (1..<see cref="MaxCount"/>, default <see cref="DefaultCount"/>) and
/// <c>?before=</c> (keyset, newest first); a bad value is a 400 naming the parameter. The query records of the lists
/// (bound with <c>[AsParameters]</c>) check themselves with these.
/// </summary>
public static class AdminPaging
{
    public const int DefaultCount = 50;

    public const int MaxCount = 200;

    /// <summary>The page size <paramref name="count"/> asks for, or the 400 naming it.</summary>
    public static ProblemHttpResult? CheckCount(string? count, out int size)
    {
        var valid = TryParseWhole(count, DefaultCount, 1, MaxCount, out var value);
        size = (int)value;
        return valid ? null : AdminRequests.BadRequest($"count must be a whole number between 1 and {MaxCount}.");
    }

    /// <summary>
    /// The page <paramref name="count"/> and <paramref name="before"/> (the id of <paramref name="what"/>;
    /// <see cref="long.MaxValue"/> when absent) ask for, or the 400 naming the first bad one.
    /// </summary>
    public static ProblemHttpResult? Check(string? count, string? before, string what, out AdminPage page)
    {
        page = default;
        if (CheckCount(count, out var size) is { } problem)
        {
            return problem;
        }

        if (!TryParseWhole(before, long.MaxValue, 1, long.MaxValue, out var beforeId))
        {
            return AdminRequests.BadRequest($"before must be the id of {what} (a positive whole number).");
        }

        page = new AdminPage(size, beforeId);
        return null;
    }

    /// <summary>A whole number without sign or spaces within [<paramref name="min"/>, <paramref name="max"/>]; <paramref name="fallback"/> when absent.</summary>
    public static bool TryParseWhole(string? text, long fallback, long min, long max, out long value)
    {
        value = fallback;
        return text is null || (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max);
    }
}

/// <summary>One page of an admin list, newest first: at most <paramref name="Count"/> rows with ids below <paramref name="Before"/>.</summary>
public readonly record struct AdminPage(int Count, long Before);
