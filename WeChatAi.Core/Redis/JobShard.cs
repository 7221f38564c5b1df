namespace WeChatAi.Core.Redis;

/// <summary>
/// One shard of the keyspace: its job stream and every key of its users carry <see cref="Tag"/> (e.g. <c>{s3.117}</c>)
/// right after the prefix, so a script or transaction over them touches one cluster slot.
/// </summary>
/// <param name="Index">0 to <see cref="JobShards.Count"/> - 1.</param>
/// <param name="Tag">The hash tag with its braces.</param>
public sealed record JobShard(int Index, string Tag)
{
    /// <summary>The keys' common start: <c>wechatai:{tag}:</c>.</summary>
    public string Prefix { get; } = $"wechatai:{Tag}:";

    public override string ToString() => Tag;
}
