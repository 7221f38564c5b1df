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
}
