using System.Text.Json;

namespace WeChatAi.Admin.Api;

/// <summary>A page of a keyset-paged list: <c>{ items, nextBefore }</c>; <c>nextBefore</c> is a number or a string per list.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, JsonElement? NextBefore)
{
    /// <summary>What to pass as <c>before</c> for the next (older) page; null on the last.</summary>
    public string? Next => NextBefore switch
    {
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        { ValueKind: JsonValueKind.Number } n => n.GetRawText(),
        _ => null,
    };
}
