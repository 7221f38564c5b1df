using System.Globalization;

namespace WeChatAi.Api.DeadLetters;

/// <summary>
/// A dead letter's id in the API: its shard and its entry id (<c>{ms}-{seq}</c>) on that shard's dead-letter stream,
/// written <c>{shard}-{ms}-{seq}</c> (e.g. <c>3-1700000000000-0</c>). Ordered by entry id, then shard: the list's order.
/// </summary>
internal readonly record struct DeadLetterId(int Shard, ulong Ms, ulong Seq) : IComparable<DeadLetterId>
{
    /// <summary>The entry's id on its shard's stream.</summary>
    public string EntryId => string.Create(CultureInfo.InvariantCulture, $"{Ms}-{Seq}");

    public static DeadLetterId Of(int shard, string entryId) =>
        TryParse($"{shard.ToString(CultureInfo.InvariantCulture)}-{entryId}", out var id) ? id : throw new FormatException($"Not a stream entry id: {entryId}");

    public static bool TryParse(string? text, out DeadLetterId id)
    {
        id = default;
        var parts = text?.Split('-');
        if (parts is not { Length: 3 }
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var shard)
            || !ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            || !ulong.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            return false;
        }

        id = new DeadLetterId(shard, ms, seq);
        return true;
    }

    public int CompareTo(DeadLetterId other) =>
        Ms != other.Ms ? Ms.CompareTo(other.Ms) : Seq != other.Seq ? Seq.CompareTo(other.Seq) : Shard.CompareTo(other.Shard);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Shard}-{Ms}-{Seq}");
}
