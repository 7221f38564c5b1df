using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Worker.Recording;

/// <summary>Batched writes of exchanges to PostgreSQL (section <c>Recording</c>).</summary>
public sealed class RecordingOptions
{
    public const string Section = "Recording";

    [Range(1, 10_000, ErrorMessage = "Recording:BatchSize must be between 1 and 10000.")]
    public int BatchSize { get; set; } = 500;

    [Range(10, 60_000, ErrorMessage = "Recording:FlushIntervalMs must be between 10 and 60000.")]
    public int FlushIntervalMs { get; set; } = 1_000;

    /// <summary>
    /// Exchanges that may wait in Redis while PostgreSQL is down (≈ 1–3 KB each). Beyond it new ones are dropped and
    /// logged: Redis runs with noeviction and also holds the queue, which must keep accepting messages.
    /// </summary>
    [Range(1, 10_000_000, ErrorMessage = "Recording:MaxBufferedExchanges must be between 1 and 10000000.")]
    public int MaxBufferedExchanges { get; set; } = 100_000;

    /// <summary>How often exchanges older than <c>Compliance:RetentionDays</c> are deleted.</summary>
    [Range(1, 86_400, ErrorMessage = "Recording:RetentionSweepSeconds must be between 1 and 86400.")]
    public int RetentionSweepSeconds { get; set; } = 3_600;
}
