using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Api.Admission;

/// <summary>Per-user limits (section <c>RateLimits</c>), shared by all replicas through Redis.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Messages per minute a user's bucket refills with.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "RateLimits:PerUserPerMinute must be at least 1.")]
    public int PerUserPerMinute { get; set; } = 10;

    /// <summary>Messages a user may send back to back before the refill rate applies.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "RateLimits:PerUserBurst must be at least 1.")]
    public int PerUserBurst { get; set; } = 5;
}
